"""Optimisation: proximal maps (:mod:`~padnet.optim.prox`), energies, the u-step, E_k and Condition 1
(:mod:`~padnet.optim.energy`), one trace and stopping rule (:mod:`~padnet.optim.trace`), the classical
solvers (:mod:`~padnet.optim.solvers`) and Alg. 1 (:mod:`~padnet.optim.unrolled`)."""
