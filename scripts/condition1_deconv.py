"""Condition 1 for the deconvolution EPADNets (Table 2's explicit models), measured, and what the safeguard costs.

    python scripts/condition1_deconv.py

Eight 128x128 crops of Train400 images 350-392 (the models' training images, other crops and noise: a check
of the conditions and of relative PSNR, not a benchmark), each blurred circularly by a generated motion
kernel, Gaussian noise of 1% and 5%.  For ``deconv-explicit-sigma``
(Eq. 14's fidelity) and ``deconv-explicit-ex`` (Eq. 15's, the model behind ``epadnet``), Alg. 1 runs as
committed (no repeated correction) and with the safeguard of Table 1's models (``corrections = 50``: the
error correction repeated until Condition 1 holds); printed: the mean PSNR of the image of Eq. (16) and the
share of stages where Condition 1 holds for the units' own output and after the safeguard.
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from padnet.data.deblur import train400
from padnet.learn.store import load_model
from padnet.optim.unrolled import PADNetConfig, padnet_solve
from padnet.physics.kernels import random_motion_kernel
from padnet.physics.operators import conv_fft
from padnet.runtime import reproducible
from padnet.tasks.deblur_image import noise_map

MODELS = ("deconv-explicit-sigma", "deconv-explicit-ex")
SIGMAS = (0.01, 0.05)


def cases(n: int = 8, size: int = 128) -> list[tuple[torch.Tensor, torch.Tensor]]:
    images, rng, out = train400(), np.random.default_rng(123), []
    for i in range(n):
        img = images[350 + 6 * i]
        r, c = rng.integers(0, img.shape[0] - size + 1), rng.integers(0, img.shape[1] - size + 1)
        k = random_motion_kernel(int(rng.choice([13, 17, 21, 25])), rng)
        out.append((torch.from_numpy(np.ascontiguousarray(img[r:r + size, c:c + size]))[None, None].float(),
                    torch.from_numpy(k)[None, None].float()))
    return out


def main() -> int:
    reproducible(2)
    pairs = cases()
    for name in MODELS:
        model = load_model(name)
        task = model.config.task
        for corrections in (0, 50):
            cfg = PADNetConfig(**{**model.config.padnet_config().to_dict(), "corrections": corrections})
            for sigma in SIGMAS:
                noise = torch.Generator().manual_seed(7)
                psnrs, held_net, held = [], [], []
                for x, k in pairs:
                    y = conv_fft(x, k) + sigma * torch.randn(x.shape, generator=noise)
                    f = task.fidelity(y, k, torch.tensor([sigma]))
                    g, trace = padnet_solve(f, model.as_callables(guide=noise_map(sigma, y)), cfg,
                                            prox_r=model.config.prox_r())
                    image = task.image(g, y, k, model.config.beta, torch.tensor([sigma]))  # Eq. (16)
                    psnrs.append(10 * np.log10(1.0 / float(((image.clamp(0, 1) - x) ** 2).mean())))
                    held_net.append(np.mean(trace.column("condition1_net")))
                    held.append(np.mean(trace.column("condition1")))
                print(f"{name:22s} corrections {corrections:2d}  sigma {100 * sigma:.0f}%: PSNR {np.mean(psnrs):.2f} dB, "
                      f"Condition 1 at {np.mean(held_net):.2f} of the stages with the units alone, "
                      f"{np.mean(held):.2f} after the safeguard", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
