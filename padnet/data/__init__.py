"""Benchmark data: the registry (``PADNET_DATA``, sha256 manifests shipped with the package, original
addresses) and the loaders of the deblurring and dehazing benchmarks, with the embedded default set.

``from padnet import data`` gives the whole interface: :mod:`padnet.data.registry`,
:mod:`padnet.data.deblur` and :mod:`padnet.data.haze`.
"""

from padnet.data.deblur import *  # noqa: F401,F403
from padnet.data.deblur import __all__ as _deblur_all
from padnet.data.haze import *  # noqa: F401,F403
from padnet.data.haze import __all__ as _haze_all
from padnet.data.registry import *  # noqa: F401,F403
from padnet.data.registry import __all__ as _registry_all

__all__ = [*_registry_all, *_deblur_all, *_haze_all]
