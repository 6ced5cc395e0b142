"""How ``padnet deblur`` fares across noise levels on photos in none of the project's sets, against classical
methods tuned on the test image itself: the check an independent user would run.

    python scripts/noise_default_check.py [--quick]

Inputs: centre 256x256 grey crops of scikit-image's ``rocket``, ``cat``, ``clock`` and ``coins`` (none is
in Train400, Levin, Sun or the embedded default set), each blurred by two generated motion kernels (17 and
23 px, seed 7) with replicate borders, Gaussian noise of 0.5 to 5% added, clipped and rounded to 8 bits as a
saved photo would be.  Methods:

* ``default``: what ``padnet deblur IN K OUT`` does (sigma estimated from the input, the automatic method);
* ``ipadnet``, ``epadnet``: the implicit and explicit PADNets told the true sigma;
* ``TV*``, ``HL*``: TV and HL with the weight that scores best *on the test image* among their rule's
  weight times 1/4, 1/2, 1, 2, 4 (an oracle tuning no user has; stronger than the Train400 rule of the book);
* ``BM3D-DEB``: given the true sigma.

PSNR on the interior (15 px border dropped), mean over the 8 inputs per level.  A sanity check across
content, not a benchmark (the book's noise sweep is that).  ``--quick``: one image, one kernel.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from scipy.ndimage import convolve
from skimage import data as skdata

from padnet.data.deblur import rgb2gray_matlab
from padnet.metrics import psnr
from padnet.physics.kernels import random_motion_kernel
from padnet.pipelines.deblur import auto_method, deblur, default_sigma, weight_for_noise
from padnet.runtime import reproducible

SIGMAS = (0.005, 0.01, 0.02, 0.03, 0.05)
IMAGES = ("rocket", "cat", "clock", "coins")
KERNEL_SIZES = (17, 23)
SCALES = (0.25, 0.5, 1.0, 2.0, 4.0)
INNER = (slice(15, -15), slice(15, -15))


def photo(name: str, size: int = 256) -> np.ndarray:
    img = getattr(skdata, name)()
    img = rgb2gray_matlab(img) if img.ndim == 3 else img
    r, c = (img.shape[0] - size) // 2, (img.shape[1] - size) // 2
    return img[r:r + size, c:c + size].astype(np.float64) / 255.0


def score(x: np.ndarray, ref: np.ndarray) -> float:
    return psnr(np.clip(x, 0, 1)[INNER], ref[INNER])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one image, one kernel")
    args = ap.parse_args()
    reproducible(2)
    rng = np.random.default_rng(7)
    kernels = [random_motion_kernel(s, rng) for s in KERNEL_SIZES]
    images = IMAGES[:1] if args.quick else IMAGES
    kernels = kernels[:1] if args.quick else kernels
    names = ("default", "ipadnet", "epadnet", "TV*", "HL*", "BM3D-DEB")
    t_start = time.perf_counter()
    for a, s in enumerate(SIGMAS):
        rows, est_err = [], []
        for i, name in enumerate(images):
            x = photo(name)
            for j, k in enumerate(kernels):
                noise = np.random.default_rng([7, i, j, a]).standard_normal(x.shape)
                y = np.round(np.clip(convolve(x, k, mode="nearest") + s * noise, 0, 1) * 255) / 255
                used, est = default_sigma(y)
                est_err.append(est - s)
                row = [score(deblur(y, k, method=auto_method(used)[0]), x),
                       score(deblur(y, k, method="ipadnet", sigma=s), x),
                       score(deblur(y, k, method="epadnet", sigma=s), x)]
                for method in ("tv", "hl"):
                    lam = weight_for_noise(method, s)
                    row.append(max(score(deblur(y, k, method=method, lam=c * lam), x) for c in SCALES))
                row.append(score(deblur(y, k, method="bm3d", sigma=s), x))
                rows.append(row)
        mean = np.mean(rows, axis=0)
        best = max(mean[3:])
        cells = ", ".join(f"{n} {v:.2f}" for n, v in zip(names, mean))
        print(f"sigma {100 * s:.1f}% (estimate error {100 * np.mean(est_err):+.2f}% mean, "
              f"{100 * np.max(np.abs(est_err)):.2f}% max): {cells} dB; margin over the best classical: "
              f"default {mean[0] - best:+.2f}, ipadnet {mean[1] - best:+.2f} dB", flush=True)
    print(f"{len(images) * len(kernels)} inputs per level, {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
