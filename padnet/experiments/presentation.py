"""Tables and image comparisons as a reader sees them in the book.

Tables: no index column, "—" for what was not measured, consistent rounding (PSNR 2 decimals, SSIM 3),
the best value per column in bold.  Comparisons (:func:`gallery`): one captioned panel per method, each a
zoomed crop at least 250 px wide on the page, the full-size images one click away.

:func:`table` returns a :class:`Table` whose HTML (Jupyter, the rendered site) comes from pandas' Styler
with a fixed id, and whose plain text is the same table without pandas' row numbers, so a re-executed
notebook prints identical outputs.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import colormaps
from PIL import Image

from padnet.data.registry import EMBEDDED_NOTICE

__all__ = ["MISSING", "Table", "table", "default_decimals", "PageWarning", "warning", "silence_known_warnings",
           "Panel", "Gallery", "gallery", "PANEL_MIN_PX", "busiest_window"]

#: what a cell shows when there is no number (not measured, not reported, not applicable)
MISSING = "—"


def default_decimals(column: str) -> int:
    """1 decimal for milliseconds, 2 for PSNR (dB) and seconds, 3 for SSIM and shares, 4 otherwise."""
    name = column.lower()
    if name.endswith("(ms)"):
        return 1
    if "psnr" in name or "db" in name or "second" in name or name.endswith("(s)") or "δ" in name or "delta" in name:
        return 2
    if "ssim" in name or "share" in name:
        return 3
    return 4


class Table:
    """A formatted table: ``_repr_html_`` for the page, ``__repr__`` for plain text."""

    def __init__(self, frame: pd.DataFrame, decimals: Mapping[str, int], best: Mapping[str, str], uid: str,
                 caption: str | None):
        self.frame = frame.reset_index(drop=True)
        self.decimals = dict(decimals)
        self.best = dict(best)
        self.uid = uid
        self.caption = caption

    def _cell(self, column: str, value) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value == "":
            return MISSING
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return f"{value:.{self.decimals.get(column, default_decimals(column))}f}"
        return str(value)

    def formatted(self) -> pd.DataFrame:
        """Every cell as the text the reader sees."""
        return pd.DataFrame({c: [self._cell(c, v) for v in self.frame[c]] for c in self.frame.columns})

    def _best_rows(self, column: str) -> set[int]:
        values = pd.to_numeric(self.frame[column], errors="coerce")
        if values.notna().sum() < 2:
            return set()
        target = values.max() if self.best[column] == "max" else values.min()
        return set(values.index[values == target])

    def _repr_html_(self) -> str:
        shown = self.formatted()
        bold = {c: self._best_rows(c) for c in self.best if c in shown.columns}

        def style(col: pd.Series) -> list[str]:
            rows = bold.get(col.name, set())
            return ["font-weight: bold" if i in rows else "" for i in range(len(col))]

        styler = shown.style.hide(axis="index").apply(style).set_uuid(self.uid).set_table_attributes(
            'class="dataframe"')
        if self.caption:
            styler = styler.set_caption(self.caption)
        return styler.to_html()

    def __repr__(self) -> str:
        return self.formatted().to_string(index=False)


def table(frame: pd.DataFrame | list[dict], decimals: Mapping[str, int] | None = None,
          best: Mapping[str, str] | None = None, uid: str = "t", caption: str | None = None) -> Table:
    """Format ``frame`` for the book.

    Args:
        frame: the numbers (a DataFrame or rows as dicts); its index is dropped.
        decimals: per-column decimals overriding :func:`default_decimals`.
        best: ``{column: "max" | "min"}``: the best value of each named column is bold.
        uid: a fixed id for the HTML (unique per table on a page), so re-execution gives identical output.
        caption: shown above the table.
    """
    df = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
    return Table(df, decimals or {}, best or {}, uid, caption)


class PageWarning:
    """A warning box at the top of a page (the theme's admonition); plain text elsewhere."""

    def __init__(self, text: str, title: str = "Warning"):
        self.text, self.title = text, title

    def _repr_html_(self) -> str:
        return (f'<div class="admonition warning"><p class="admonition-title">{html.escape(self.title)}</p>'
                f"<p>{html.escape(self.text)}</p></div>")

    def __repr__(self) -> str:
        return f"{self.title.upper()}: {self.text}"


def warning(text: str, title: str = "Embedded default data") -> PageWarning:
    """A page-level warning box, e.g. that a page ran on the embedded default data."""
    return PageWarning(text, title)


def silence_known_warnings() -> None:
    """Keep two known warnings off the book's pages: the embedded-data notice (each affected page shows it
    as a :func:`warning` box instead) and tqdm's "IProgress not found" (a notebook without widgets)."""
    warnings.filterwarnings("ignore", message=re.escape(EMBEDDED_NOTICE[:40]))
    warnings.filterwarnings("ignore", message="IProgress not found")


#: smallest width (CSS px) of a comparison panel on the page (the site check enforces it)
PANEL_MIN_PX = 260


@dataclass
class Panel:
    """One image of a comparison.

    Attributes:
        caption: what the reader needs to judge it (method, PSNR / SSIM).
        image: ``(H, W)`` grey or ``(H, W, 3)`` RGB, values in ``[vmin, vmax]`` (clipped).
        cmap: colormap name for a grey image shown in colour (error maps); ``None``: grey.
        vmin, vmax: display range.
    """

    caption: str
    image: np.ndarray
    cmap: str | None = None
    vmin: float = 0.0
    vmax: float = 1.0

    def rgb8(self, window: tuple[int, int, int, int] | None = None, zoom: int = 1) -> np.ndarray:
        """The panel as 8-bit pixels: cropped to ``window = (top, left, height, width)``, enlarged ``zoom``
        times by pixel replication (no interpolation: what the method produced, pixel for pixel)."""
        img = np.asarray(self.image, dtype=np.float64)
        if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] != 3):
            raise ValueError(f"panel {self.caption!r}: expected an (H, W) or (H, W, 3) image, got {img.shape}")
        if window is not None:
            top, left, h, w = window
            if top < 0 or left < 0 or top + h > img.shape[0] or left + w > img.shape[1]:
                raise ValueError(f"crop window {window} outside the {img.shape[:2]} image")
            img = img[top:top + h, left:left + w]
        unit = np.clip((img - self.vmin) / (self.vmax - self.vmin), 0.0, 1.0)
        if img.ndim == 2:
            unit = colormaps[self.cmap](unit)[..., :3] if self.cmap else np.repeat(unit[..., None], 3, axis=2)
        out = np.round(255 * unit).astype(np.uint8)
        return out.repeat(zoom, axis=0).repeat(zoom, axis=1) if zoom > 1 else out


def _data_uri(pixels: np.ndarray, fmt: str) -> str:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buf.getvalue()).decode("ascii")


class Gallery:
    """Captioned comparison panels: HTML for the page, the captions as plain text elsewhere."""

    def __init__(self, panels: Sequence[Panel], window, zoom: int, title: str, full_size: bool, uid: str):
        self.panels, self.window, self.zoom, self.title = list(panels), window, zoom, title
        self.full_size, self.uid = full_size, uid

    def _grid(self, window, zoom: int, fmt: str, cls: str) -> str:
        cells = []
        for p in self.panels:
            uri = _data_uri(p.rgb8(window, zoom), fmt)
            cells.append(f'<figure class="{cls}" style="margin:0"><img src="{uri}" alt="{html.escape(p.caption)}" '
                         f'style="width:100%;image-rendering:pixelated"/>'
                         f"<figcaption>{html.escape(p.caption)}</figcaption></figure>")
        style = f"display:grid;grid-template-columns:repeat(auto-fill,minmax({PANEL_MIN_PX}px,1fr));gap:10px"
        return f'<div style="{style}">' + "".join(cells) + "</div>"

    def _repr_html_(self) -> str:
        where = ""
        if self.window is not None:
            top, left, h, w = self.window
            where = f" (crop of {h}x{w} px at row {top}, column {left}, enlarged {self.zoom}x)"
        parts = [f'<div class="padnet-gallery" id="{html.escape(self.uid)}">',
                 f"<p><strong>{html.escape(self.title)}</strong>{html.escape(where)}</p>",
                 # crops losslessly (the reader compares pixels); whole images as JPEG (page weight)
                 self._grid(self.window, self.zoom, "PNG" if self.window is not None else "JPEG", "padnet-panel")]
        if self.full_size and self.window is not None:  # uncropped panels are already full size
            parts += ["<details><summary>Full-size images</summary>",
                      self._grid(None, 1, "JPEG", "padnet-panel padnet-full"), "</details>"]
        return "".join(parts) + "</div>"

    def __repr__(self) -> str:
        return f"{self.title}: " + " | ".join(p.caption for p in self.panels)


def gallery(panels: Sequence[Panel], window: tuple[int, int, int, int] | None = None, zoom: int = 2,
            title: str = "Comparison", full_size: bool = True, uid: str = "g") -> Gallery:
    """A comparison the reader can judge: one captioned panel per image, laid out in columns at least
    :data:`PANEL_MIN_PX` wide, showing the crop ``window = (top, left, height, width)`` enlarged ``zoom``
    times (``None``: the whole image); with ``full_size`` the uncropped images sit behind a click
    (an HTML ``<details>``).  All panels must have the same size."""
    if not panels:
        raise ValueError("gallery needs at least one panel")
    if zoom < 1:
        raise ValueError(f"zoom must be >= 1, got {zoom}")
    shapes = {np.shape(p.image)[:2] for p in panels}
    if len(shapes) > 1:
        raise ValueError(f"panels differ in size: {sorted(shapes)}")
    return Gallery(panels, window, zoom, title, full_size, uid)


def busiest_window(image: np.ndarray, size: int) -> tuple[int, int, int, int]:
    """The ``size x size`` window (``(top, left, size, size)``) with the largest gradient energy of
    ``image`` (grey or RGB; the reference image, so the choice does not favour any method), searched
    on a grid of ``size // 4`` px steps."""
    img = np.asarray(image, dtype=np.float64)
    grey = img.mean(axis=2) if img.ndim == 3 else img
    H, W = grey.shape
    size = min(size, H, W)
    energy = np.zeros_like(grey)
    energy[:, :-1] += np.diff(grey, axis=1) ** 2
    energy[:-1, :] += np.diff(grey, axis=0) ** 2
    integral = np.pad(energy.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    step = max(1, size // 4)
    best, where = -1.0, (0, 0)
    for top in range(0, H - size + 1, step):
        for left in range(0, W - size + 1, step):
            e = (integral[top + size, left + size] - integral[top, left + size] - integral[top + size, left]
                 + integral[top, left])
            if e > best:
                best, where = e, (top, left)
    return (*where, size, size)
