"""Book tables: no index, a dash for missing values, fixed rounding, the best value in bold."""

import math

import pandas as pd

from padnet.experiments.presentation import MISSING, table


def test_missing_values_rounding_and_no_index():
    t = table(pd.DataFrame({"method": ["A", "B"], "PSNR": [31.23456, math.nan], "SSIM": [0.91234, None],
                            "note": ["", "x"]}, index=[5, 9]))
    text = repr(t)
    assert "31.23" in text and "0.912" in text and "nan" not in text.lower() and "None" not in text
    assert text.count(MISSING) == 3
    assert not any(line.lstrip().startswith(("5 ", "9 ")) for line in text.splitlines())  # no row numbers


def test_best_value_is_bold_and_html_is_repeatable():
    df = pd.DataFrame({"method": ["A", "B", "C"], "PSNR": [30.0, 32.5, 31.0], "error": [0.3, 0.2, 0.25]})
    html = table(df, best={"PSNR": "max", "error": "min"}, uid="x")._repr_html_()
    assert html == table(df, best={"PSNR": "max", "error": "min"}, uid="x")._repr_html_()
    style = html.split("</style>")[0]
    assert "font-weight: bold" in style
    assert sorted(part.strip(" ,{\n") for part in style.split("{")[0].split("\n")[-1].split(",")) == \
        ["#T_x_row1_col1", "#T_x_row1_col2"]  # B's PSNR (max) and B's error (min), nothing else
    assert "32.50" in html and ">0.2000<" in html


def test_page_warning_box_and_silenced_notices():
    import warnings

    from padnet.data.registry import EMBEDDED_NOTICE
    from padnet.experiments.presentation import silence_known_warnings, warning

    box = warning("data <missing> & co")
    assert 'class="admonition warning"' in box._repr_html_() and "&lt;missing&gt; &amp; co" in box._repr_html_()
    assert repr(box).startswith("EMBEDDED DEFAULT DATA:")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        silence_known_warnings()
        warnings.warn(EMBEDDED_NOTICE, stacklevel=1)
        warnings.warn("IProgress not found. Please update jupyter", stacklevel=1)
        warnings.warn("something else", stacklevel=1)
    assert [str(w.message) for w in caught] == ["something else"]
