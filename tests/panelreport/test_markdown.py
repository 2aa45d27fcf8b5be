"""Markdown tables for the manuscript: cells are literal text, numbers formatted once."""

import pandas as pd
import pytest
import yaml

from panelreport.figures import FIGURE_WIDTH_IN
from panelreport.markdown import (BODY_FONT_PT, CELL_INSET_PT, SEPARATOR_UNITS, TABLE_FONT_SCALE, TEXT_WIDTH_PT,
                                  column_units, escape, format_p, markdown_table, text_em)


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


def test_numeric_columns_are_right_aligned_and_their_cells_never_wrap():
    frame = pd.DataFrame({"Path": ["a to b"], "95% CI": ["[-0.1, 0.2]"], "p": ["< .001"]})
    lines = markdown_table(frame, "C", "demo").splitlines()
    cells = lines[1].strip("|").split("|")
    assert cells[0].startswith(":") and cells[1].endswith(":") and cells[2].endswith(":")
    assert "[-0.1,\u00a00.2]" in lines[2] and "<\u00a0.001" in lines[2] and "a to b" in lines[2]


def test_every_column_gets_room_for_its_widest_word():
    frame = pd.DataFrame({"Long text": ["word " * 60], "Estimate": ["-12345.678"]})
    units = column_units(list(frame.columns), frame.astype(str).values.tolist())
    unit_pt = TEXT_WIDTH_PT["portrait"] / SEPARATOR_UNITS
    needed = text_em("-12345.678") * BODY_FONT_PT * TABLE_FONT_SCALE + 2 * CELL_INSET_PT
    assert sum(units) == SEPARATOR_UNITS and units[1] * unit_pt >= needed


def test_layout_options_wrap_the_table_for_each_format():
    frame = pd.DataFrame({"b": [0.5], "SE": [0.1]})
    text = markdown_table(frame, "Cap", "demo", landscape=True, font_scale=0.8,
                          abbreviations={"b": "unstandardised estimate", "SE": "standard error"}, note="Two-sided.")
    assert text.index("#page(flipped: true)[") < text.index("#set text(size: 0.8em)") < text.index("| b | SE |")
    assert '<div class="table-scaled" style="font-size: 80%">' in text
    assert "*Note.* b = unstandardised estimate; SE = standard error. Two-sided." in text
    assert text.index(": Cap {#tbl-demo}") < text.index("*Note.*") < text.rindex("]")


def test_the_page_model_matches_the_manuscript_settings(repo_root):
    config = yaml.safe_load((repo_root / "manuscript/_quarto.yml").read_text())["format"]["typst"]
    assert config["papersize"] == "a4" and config["fontsize"] == f"{BODY_FONT_PT:g}pt"
    margin_mm = float(config["margin"]["x"].removesuffix("cm")) * 10
    assert config["margin"]["y"] == config["margin"]["x"]
    assert TEXT_WIDTH_PT["portrait"] == pytest.approx((210 - 2 * margin_mm) / 25.4 * 72)
    assert TEXT_WIDTH_PT["landscape"] == pytest.approx((297 - 2 * margin_mm) / 25.4 * 72)
    header = (repo_root / "manuscript" / config["include-in-header"][0]["file"]).read_text()
    assert f"size: {TABLE_FONT_SCALE}em" in header
    assert FIGURE_WIDTH_IN * 72 == pytest.approx(TEXT_WIDTH_PT["portrait"])
