"""padnet: reference implementation of PADNet, the Proximal Alternating Direction Network
(R. Liu, S. Cheng, L. Ma, X. Fan, Z. Luo, AAAI 2018).

Modules (imports flow down the list):

* :mod:`padnet.operators`: blur (FFT and direct), psf2otf, finite differences D, boundary handling;
* :mod:`padnet.prox`: proximal maps of l_0, l_p (GISA) and l_1;
* :mod:`padnet.energy`: fidelities, energy F (Eq. 1), u-step (Eq. 3), error E_k (Eq. 12);
* :mod:`padnet.solvers`: ADMM, HQS, TV, hyper-Laplacian and Wiener baselines;
* :mod:`padnet.metrics`: PSNR, SSIM, Levin's and Sun's protocols;
* :mod:`padnet.data`: PADNET_DATA, checksums, loaders, embedded default data, motion kernels;
* :mod:`padnet.io`: reading and writing images and kernels (PNG, TIFF, .npy);
* :mod:`padnet.deconv`: the deblurring pipeline behind ``padnet deblur`` (classical, BM3D-DEB, PADNets);
* :mod:`padnet.haze`, :mod:`padnet.dehaze`: the haze model (Eq. 17), He / Meng / Berman baselines, the dehazing
  benchmarks and the PADNet dehazing pipeline behind ``padnet dehaze``;
* :mod:`padnet.networks`: basic units G (RBF, 7/17-layer conv) and the residual propagation N_alpha (Eq. 6);
* :mod:`padnet.padnet`: Alg. 1, explicit and implicit PADNet;
* :mod:`padnet.training`, :mod:`padnet.zoo`: Alg. 2 and the named, committed models;
* :mod:`padnet.experiments`, :mod:`padnet.table1`, :mod:`padnet.table2`, :mod:`padnet.table3`, :mod:`padnet.reproduce`, :mod:`padnet.plotting`,
  :mod:`padnet.paper`: the book's experiments, cached runs and the paper's reported numbers;
* :mod:`padnet.cli`: the ``padnet`` command line.
"""

from padnet import checks, data, deconv, energy, metrics, operators, prox, solvers

__version__ = "0.1.0"
__all__ = ["checks", "data", "deconv", "energy", "metrics", "operators", "prox", "solvers", "__version__"]
