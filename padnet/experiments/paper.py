"""Numbers reported in the paper (Liu et al., AAAI 2018), for side-by-side tables.

These are *reported* values, copied from the paper's Tables 1-3; nothing here is computed.
"""

from __future__ import annotations

__all__ = ["TABLE1", "TABLE2", "TABLE3"]

#: Table 1: average iterations K and ||g_K - g_gt|| / ||g_gt|| on Levin's 32 images, Eq. (14).
TABLE1 = [
    {"method": m, "prior": pr, "iterations": it, "rel_error": err}
    for pr, row in {
        "l1": {"ADMM": (29, 1.3146), "HQS": (33, 1.3354), "IPADNet": (6, 0.4291), "EPADNet": (5, 0.4516)},
        "l0.8": {"ADMM": (28, 1.2069), "HQS": (32, 1.2215), "IPADNet": (6, 0.4291), "EPADNet": (5, 0.4140)},
        "l0": {"ADMM": (40, 1.7114), "HQS": (54, 1.7598), "IPADNet": (6, 0.4291), "EPADNet": (6, 0.6005)},
    }.items()
    for m, (it, err) in row.items()
]

#: Table 2: mean PSNR (dB) / SSIM of non-blind deconvolution on Levin (32) and Sun (640).
TABLE2 = [
    {"method": m, "dataset": ds, "psnr": ps, "ssim": ss}
    for ds, row in {
        "levin09": {"TV": (29.38, 0.88), "HL": (30.12, 0.90), "Ours (E)": (33.41, 0.95), "EPLL": (31.65, 0.93),
                    "IDD-BM3D": (31.53, 0.90), "MLP": (31.32, 0.90), "CSF": (32.74, 0.93), "Ours (I)": (33.37, 0.95)},
        "sun2013": {"TV": (30.67, 0.85), "HL": (31.03, 0.85), "Ours (E)": (32.69, 0.89), "EPLL": (32.44, 0.88),
                    "IDD-BM3D": (30.79, 0.87), "MLP": (31.47, 0.86), "CSF": (31.55, 0.87), "Ours (I)": (32.71, 0.89)},
    }.items()
    for m, (ps, ss) in row.items()
]

#: Table 3: dehazing on Fattal's 11 synthetic images: PSNR (dB), SSIM, seconds per image.
TABLE3 = [
    {"method": m, "psnr": ps, "ssim": ss, "seconds": t}
    for m, (ps, ss, t) in {
        "He et al.": (27.11, 0.96, 17.20), "Meng et al.": (26.13, 0.95, 6.95), "Chen et al.": (26.47, 0.93, 272.07),
        "Berman et al.": (26.09, 0.95, 3.73), "Li et al.": (25.54, 0.94, 62.67), "Ren et al.": (24.40, 0.94, 5.87),
        "Cai et al.": (21.63, 0.89, 5.77), "Ours": (28.47, 0.96, 2.74),
    }.items()
]
