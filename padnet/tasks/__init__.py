"""Tasks (what Alg. 1/2 restore): deblurring in the gradient domain, in the image domain, and the
transmission of a hazy image.  :func:`get_task` maps a recipe's ``domain`` to its :class:`Task`."""

from __future__ import annotations

from padnet.checks import InputError
from padnet.tasks.base import Task, TrainingSet
from padnet.tasks.deblur_gradient import DEBLUR_GRADIENT, DEBLUR_GRADIENT_EX_SIGMA_W1, DEBLUR_GRADIENT_SIGMA_W1
from padnet.tasks.deblur_image import DEBLUR_IMAGE, DEBLUR_IMAGE_SIGMA, DEBLUR_IMAGE_SIGMA_W1
from padnet.tasks.dehaze import DEHAZE

__all__ = ["Task", "TrainingSet", "TASKS", "get_task"]

TASKS: dict[str, Task] = {t.name: t for t in (DEBLUR_GRADIENT, DEBLUR_GRADIENT_SIGMA_W1, DEBLUR_GRADIENT_EX_SIGMA_W1,
                                              DEBLUR_IMAGE, DEBLUR_IMAGE_SIGMA, DEBLUR_IMAGE_SIGMA_W1, DEHAZE)}


def get_task(name: str) -> Task:
    """The task a recipe names (``TrainConfig.domain``)."""
    if name not in TASKS:
        raise InputError(f"unknown task {name!r}; known: {', '.join(TASKS)}")
    return TASKS[name]
