"""padnet: reference implementation of PADNet, the Proximal Alternating Direction Network
(R. Liu, S. Cheng, L. Ma, X. Fan, Z. Luo, AAAI 2018).

Layers (a module imports only from its own layer or the ones above it in this list; checked by
``tests/test_architecture.py``):

* core: :mod:`padnet.checks` (input validation), :mod:`padnet.runtime` (the determinism policy),
  :mod:`padnet.io` (image files), :mod:`padnet.metrics` (PSNR, SSIM, the benchmarks' protocols);
* :mod:`padnet.physics`: blur and gradient operators, kernel generators, the haze model (Eq. 17);
* :mod:`padnet.data`: ``PADNET_DATA``, checksums, the benchmarks' loaders, the embedded default set;
  :mod:`padnet.provenance`;
* :mod:`padnet.optim`: proximal maps, energies and Condition 1 (Eq. 1-12), ADMM/HQS/TV/HL/Wiener, and
  Alg. 1 (:func:`padnet.optim.unrolled.padnet_solve`, with or without autograd);
* :mod:`padnet.nets`: the basic units G and the residual propagation N_alpha (Eq. 6);
* :mod:`padnet.tasks`: what is restored (gradient-domain and image-domain deblurring, transmission);
* :mod:`padnet.learn`: recipes, Alg. 2, the model store;
* :mod:`padnet.baselines`: CSF, EPLL and the classical dehazing estimators;
* :mod:`padnet.pipelines`: ``deblur`` and ``dehaze`` as the command line runs them;
* :mod:`padnet.experiments`: Tables 1-3, Fig. 1, the paper's numbers, ``reproduce``;
* :mod:`padnet.cli`: the ``padnet`` command line.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
