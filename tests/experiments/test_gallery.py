"""Comparison galleries: the pixels shown are the method's own (crop, replication zoom), every panel has its
caption, the full-size images sit behind a click, and bad input is refused."""

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from padnet.experiments.presentation import PANEL_MIN_PX, Panel, gallery


def _decode(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_crop_and_zoom_show_the_methods_pixels():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (40, 50)).astype(np.float64) / 255  # exact 8-bit levels
    g = gallery([Panel("a: 30.00 dB", img), Panel("b: 31.00 dB", 1 - img)], window=(5, 7, 10, 12), zoom=3)
    html = g._repr_html_()
    uris = re.findall(r'src="(data:image/png;base64,[^"]+)"', html)
    assert len(uris) == 2
    shown = _decode(uris[0])
    assert shown.shape == (30, 36, 3)
    expected = np.round(255 * img[5:15, 7:19]).astype(np.uint8)
    assert np.array_equal(shown[::3, ::3, 0], expected)  # every 3rd pixel is the original
    assert np.array_equal(shown[1::3, 2::3, 1], expected)  # and its replicas
    assert html.count("<figcaption>") == 4  # the crops and the full-size copies
    assert "a: 30.00 dB" in html and "<details>" in html and f"minmax({PANEL_MIN_PX}px" in html
    assert repr(g) == "Comparison: a: 30.00 dB | b: 31.00 dB"


def test_error_maps_use_the_colormap_and_range():
    err = np.array([[0.0, 0.3], [0.15, 1.0]])
    px = Panel("err", err, cmap="magma", vmin=0, vmax=0.3).rgb8()
    from matplotlib import colormaps

    ref = np.round(255 * colormaps["magma"](np.clip(err / 0.3, 0, 1))[..., :3]).astype(np.uint8)
    assert np.array_equal(px, ref)
    assert np.array_equal(px[1, 1], px[0, 1])  # clipped at vmax


@pytest.mark.parametrize("panels, kw, match", [
    ([], {}, "at least one"),
    ([Panel("a", np.zeros((4, 4))), Panel("b", np.zeros((5, 4)))], {}, "differ in size"),
    ([Panel("a", np.zeros((4, 4)))], {"zoom": 0}, "zoom"),
])
def test_bad_galleries_are_refused(panels, kw, match):
    with pytest.raises(ValueError, match=match):
        gallery(panels, **kw)


def test_bad_panels_are_refused():
    with pytest.raises(ValueError, match="outside"):
        Panel("a", np.zeros((4, 4))).rgb8(window=(2, 2, 4, 4))
    with pytest.raises(ValueError, match="expected"):
        Panel("a", np.zeros((4, 4, 2))).rgb8()


def test_busiest_window_finds_the_textured_square():
    from padnet.experiments.presentation import busiest_window

    img = np.zeros((64, 80))
    img[32:48, 48:64] = np.indices((16, 16)).sum(axis=0) % 2  # a checkerboard, flat elsewhere
    assert busiest_window(img, 16) == (32, 48, 16, 16)
    assert busiest_window(np.zeros((10, 12, 3)), 64) == (0, 0, 10, 10)  # clipped to the image
