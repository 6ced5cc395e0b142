"""Pipelines: what ``padnet deblur`` (:mod:`~padnet.pipelines.deblur`) and ``padnet dehaze``
(:mod:`~padnet.pipelines.dehaze`) run, from input checks to the restored image."""
