"""Learned and classical baselines that are not PADNets: CSF (:mod:`~padnet.baselines.csf`), EPLL
(:mod:`~padnet.baselines.epll`), the dehazing estimators of He, Meng and Berman
(:mod:`~padnet.baselines.haze`)."""
