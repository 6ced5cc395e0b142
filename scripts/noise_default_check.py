"""How the deblurring methods fare across noise levels on one test photo: the measurement behind
``padnet deblur``'s automatic choice (:func:`padnet.pipelines.deblur.auto_method`).

    python scripts/noise_default_check.py

A 256x256 grey crop of scikit-image's ``astronaut`` (in none of the benchmark or training sets), blurred by
a generated 17 px motion kernel with replicate borders, Gaussian noise of 0.5 to 5% added (clipped to
[0, 1]); every method at its default settings, BM3D-DEB given the true sigma; PSNR on the interior (15 px
border dropped).  One image and one kernel: a sanity check of the crossing, not a benchmark.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.ndimage import convolve
from skimage import data as skdata

from padnet.metrics import psnr
from padnet.physics.kernels import random_motion_kernel
from padnet.physics.noise import estimate_noise_sigma
from padnet.pipelines.deblur import auto_method, deblur
from padnet.runtime import reproducible

SIGMAS = (0.005, 0.01, 0.02, 0.03, 0.05)
METHODS = (("ipadnet", False), ("epadnet", False), ("bm3d", True), ("tv", False), ("hl", False))


def main() -> int:
    reproducible(1)
    x = skdata.astronaut()[100:356, 150:406].mean(axis=2) / 255.0
    k = random_motion_kernel(17, np.random.default_rng(7))
    inner = (slice(15, -15), slice(15, -15))
    for s in SIGMAS:
        y = np.clip(convolve(x, k, mode="nearest") + s * np.random.default_rng(1).standard_normal(x.shape), 0, 1)
        cells = []
        for method, takes_sigma in METHODS:
            t0 = time.perf_counter()
            xr = np.clip(deblur(y, k, method=method, lam=s if takes_sigma else None), 0, 1)
            cells.append(f"{method} {psnr(xr[inner], x[inner]):.2f} dB ({time.perf_counter() - t0:.1f} s)")
        est = estimate_noise_sigma(y)
        print(f"sigma {100 * s:.1f}% (estimated {100 * est:.2f}%, auto -> {auto_method(est)[0]}): " + ", ".join(cells),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
