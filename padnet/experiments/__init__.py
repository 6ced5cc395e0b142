"""Experiments: Tables 1-3 and Fig. 1, shared runners (:mod:`~padnet.experiments.common`), the paper's
reported numbers (:mod:`~padnet.experiments.paper`) and ``padnet reproduce``
(:mod:`~padnet.experiments.reproduce`)."""
