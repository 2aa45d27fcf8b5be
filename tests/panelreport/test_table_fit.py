"""Every word of a table in the fallback PDF stays inside its cell (paneltools.tablefit),
and the negative control: a table made too wide for its columns is rejected."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from panelreport.markdown import markdown_table
from paneltools.tablefit import Box, check, overflows

DEMO = Path(__file__).parent / "manuscript_demo"
# Eight columns of intervals: wider than a portrait page at the table size, not than a
# landscape one.
WIDE = pd.DataFrame({f"Interval {i}": ["[-0.123, 0.456]", "[-1.234, -0.567]"] for i in range(8)})

pytestmark = pytest.mark.needs("poppler")


def with_table(tmp_path: Path, table: str) -> Path:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo, symlinks=False)
    (demo / "_generated/tables/paths.md").write_text(table)
    return demo


def test_the_demo_tables_fit():
    assert check(DEMO) == []


def test_a_table_too_wide_for_its_columns_is_rejected(tmp_path):
    """Negative control: columns of 2% of the line cannot hold "[-0.123, 0.456]"."""
    frame = WIDE.iloc[:, :4]
    demo = with_table(tmp_path, markdown_table(frame, "Too narrow", "paths", widths=[0.94, 0.02, 0.02, 0.02]))
    found = check(demo)
    assert found and any("0.456" in o.word or "-1.234" in o.word.replace("\u2212", "-") for o in found)


def test_a_table_wider_than_the_page_is_rejected_and_fits_in_landscape(tmp_path):
    assert check(with_table(tmp_path / "portrait", markdown_table(WIDE, "Wide", "paths")))
    assert check(with_table(tmp_path / "landscape", markdown_table(WIDE, "Wide", "paths", landscape=True))) == []


def test_a_smaller_font_makes_a_table_fit(tmp_path):
    frame = WIDE.iloc[:, :7]
    assert check(with_table(tmp_path / "normal", markdown_table(frame, "Seven", "paths")))
    assert check(with_table(tmp_path / "small", markdown_table(frame, "Seven", "paths", font_scale=0.75))) == []


def test_a_word_across_two_cells_or_out_of_the_table_overflows():
    cells = [Box(1, 0, 0, 50, 20), Box(1, 50, 0, 100, 20)]
    inside, across, left_out = Box(1, 55, 5, 95, 15), Box(1, 30, 5, 70, 15), Box(1, -8, 5, 40, 15)
    body = Box(1, 30, 40, 70, 50)  # below the table: not a cell's
    found = overflows(cells, [("ok", inside), ("x", across), ("y", left_out), ("z", body)])
    assert [o.word for o in found] == ["x", "y"]
