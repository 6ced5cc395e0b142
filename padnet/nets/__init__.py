"""Networks: the basic units G (RBF, 7- and 17-layer convolutional) and the residual propagation
N_alpha of Eq. (6) (:mod:`~padnet.nets.units`)."""
