"""Physics: the forward models. Blur by FFT (circular) and direct convolution, psf2otf, finite
differences D, boundary handling (:mod:`~padnet.physics.operators`); random camera-shake kernels
(:mod:`~padnet.physics.kernels`); the haze model of Eq. (17) (:mod:`~padnet.physics.haze`); the noise level
(:mod:`~padnet.physics.noise`); the opponent colour transform for RGB deblurring (:mod:`~padnet.physics.colour`)."""
