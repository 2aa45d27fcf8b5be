"""Markdown tables for the manuscript: cells are literal text, numbers formatted once."""

import pandas as pd

from panelreport.markdown import escape, format_p, markdown_table


def test_escape_keeps_cell_text_literal():
    assert escape("w_D1 ~~ w_D1") == "w_D1 \\~\\~ w_D1"  # not a strike-out
    assert escape("a|b") == "a\\|b"  # not a column break
    assert escape("2*3") == "2\\*3"  # not emphasis
    assert escape("C:\\dir") == "C:\\\\dir"


def test_format_p_is_apa_style():
    assert [format_p(p) for p in (0.0004, 0.0123, 0.5, float("nan"))] == ["< .001", ".012", ".500", ""]


def test_table_has_caption_label_and_formatted_floats():
    frame = pd.DataFrame({"Path": ["a ~~ b"], "b": [0.12345], "n": [3]})
    text = markdown_table(frame, "A caption", "demo", digits=3)
    lines = text.splitlines()
    assert lines[0] == "| Path | b | n |"
    assert lines[2] == "| a \\~\\~ b | 0.123 | 3 |"
    assert lines[-1] == ": A caption {#tbl-demo}"
