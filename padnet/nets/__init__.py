"""Networks: the basic units G (RBF, convolutional of 7, 17 or any depth) and the residual propagation
N_alpha of Eq. (6) (:mod:`~padnet.nets.units`)."""
