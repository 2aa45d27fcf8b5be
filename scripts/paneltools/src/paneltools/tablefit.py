"""Does every table of the fallback PDF fit: does each cell's text stay inside its cell?

Usage: python -m paneltools.tablefit MANUSCRIPT_DIR [--article FILE ...]
       (exit 1 and a line per overflowing word when a table does not fit)

Typst lays the document out once more with a probe in every table cell, which records
where the cell is on its page (typst's layout query). poppler's `pdftotext -bbox` then
gives where each word of that PDF was set. A word that touches a cell but does not lie inside
one runs into the neighbouring column or past the table's edge: it does not fit. The
probe adds nothing to the page, so the layout is the one of the PDF the fallback writes.
Needs pdftotext (Debian's poppler-utils; `make poppler`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import typst

from panelreport.render import article_path, built_documents, typst_source

# A cell's box on its page (its inset included), recorded before its content is shown.
PROBE = b"""#show table.cell: it => layout(size => context {
  let at = here().position()
  let height = measure(it, width: size.width).height
  [#metadata((page: at.page, x: at.x.pt(), y: at.y.pt(), width: size.width.pt(), height: height.pt())) <panelreport-cell>]
  it
})
"""
TOLERANCE_PT = 0.5


@dataclass(frozen=True)
class Box:
    page: int
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Overflow:
    word: str
    page: int
    by_pt: float

    def __str__(self) -> str:
        return f"page {self.page}: {self.word!r} runs {self.by_pt:.1f} pt out of its cell"


class Words(HTMLParser):
    """The words of `pdftotext -bbox` output, with their boxes."""

    def __init__(self):
        super().__init__()
        self.words, self.page, self._box = [], 0, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "page":
            self.page += 1
        elif tag == "word":
            self._box = Box(self.page, float(a["xmin"]), float(a["ymin"]), float(a["xmax"]), float(a["ymax"]))

    def handle_data(self, data):
        if self._box is not None:
            self.words.append((data, self._box))
            self._box = None


def cells_and_words(source: bytes, root: Path) -> tuple[list[Box], list[tuple[str, Box]]]:
    probed = PROBE + source
    cells = [Box(c["page"], c["x"], c["y"], c["x"] + c["width"], c["y"] + c["height"])
             for c in json.loads(typst.query(probed, "<panelreport-cell>", field="value", root=str(root),
                                             ignore_system_fonts=True))]
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "probed.pdf"
        typst.compile(probed, output=str(pdf), root=str(root), ignore_system_fonts=True)
        result = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True)
    parser = Words()
    parser.feed(result.stdout)
    return cells, parser.words


def overflows(cells: list[Box], words: list[tuple[str, Box]]) -> list[Overflow]:
    """Words that touch a cell without lying inside one: text that runs out of its cell
    to either side (right-aligned text overflows to the left), into a neighbour or past
    the table's edge. pdftotext joins words that touch, so a collision is one such word."""
    found = []
    for text, word in words:
        middle = (word.top + word.bottom) / 2
        touched = [c for c in cells if c.page == word.page and c.top - TOLERANCE_PT <= middle <= c.bottom + TOLERANCE_PT
                   and word.left < c.right - TOLERANCE_PT and word.right > c.left + TOLERANCE_PT]
        if not touched:
            continue  # not in a table
        excess = min(max(c.left - word.left, 0.0) + max(word.right - c.right, 0.0) for c in touched)
        if excess > TOLERANCE_PT:
            found.append(Overflow(text, word.page, excess))
    return found


def check(manuscript_dir: Path, article: str | None = None) -> list[Overflow]:
    """Every word of a table of `article` (default: the project's article) that leaves its cell."""
    manuscript_dir = Path(manuscript_dir).resolve()
    return overflows(*cells_and_words(typst_source(manuscript_dir, article), manuscript_dir))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manuscript_dir", type=Path)
    parser.add_argument("--article", action="append",
                        help="a document to check (default: every .qmd whose variables a build has written)")
    args = parser.parse_args(argv)
    articles = args.article or built_documents(args.manuscript_dir)
    failed = False
    for article in articles:
        found = check(args.manuscript_dir, article)
        name = article_path(args.manuscript_dir, article).name
        print(f"{name}: " + ("every table fits" if not found else f"{len(found)} words leave their cells"))
        for overflow in found:
            print(f"  {overflow}")
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
