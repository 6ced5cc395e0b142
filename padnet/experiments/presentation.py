"""Tables as a reader sees them in the book: no index column, "—" for what was not measured, consistent
rounding (PSNR 2 decimals, SSIM 3), the best value per column in bold.

:func:`table` returns a :class:`Table` whose HTML (Jupyter, the rendered site) comes from pandas' Styler
with a fixed id, and whose plain text is the same table without pandas' row numbers, so a re-executed
notebook prints identical outputs.
"""

from __future__ import annotations

import html
import math
import re
import warnings
from collections.abc import Mapping

import pandas as pd

from padnet.data.registry import EMBEDDED_NOTICE

__all__ = ["MISSING", "Table", "table", "default_decimals", "PageWarning", "warning", "silence_known_warnings"]

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
