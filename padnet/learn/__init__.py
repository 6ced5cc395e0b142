"""Learning: typed recipes (:mod:`~padnet.learn.recipes`), the named models (:mod:`~padnet.learn.zoo`),
Alg. 2 (:mod:`~padnet.learn.alg2`) and the model store (:mod:`~padnet.learn.store`)."""
