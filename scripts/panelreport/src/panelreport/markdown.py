"""Tables as Markdown for the manuscript, and the formatting shared by every report."""

import math
import re
from collections.abc import Mapping, Sequence

import pandas as pd

# The page that the PDF sets tables on, under Quarto and the fallback alike:
# manuscript/_quarto.yml (format: typst: A4, 2.5 cm margins, 11 pt) and
# manuscript/typst-tables.typ (tables at 0.85 of the text size; typst's 6 pt cell inset).
# tests/panelreport/test_markdown.py keeps these in step with those files.
TEXT_WIDTH_PT = {"portrait": 160 / 25.4 * 72, "landscape": 247 / 25.4 * 72}
BODY_FONT_PT = 11.0
TABLE_FONT_SCALE = 0.85
CELL_INSET_PT = 6.0
# Width units of the separator line: pandoc reads relative column widths from its dashes
# once a line of the table is longer than 72 characters, which this length ensures.
SEPARATOR_UNITS = 200
# Cells made only of numbers, signs, brackets and separators; kept on one line.
NUMERIC = re.compile(r"[\s\[\]()<>=≤≥,;/%†*+\-−–.\d]*\d[\s\[\]()<>=≤≥,;/%†*+\-−–.\d]*(?:to[\s\-−.\d]+)?")


def escape(text: str) -> str:
    """Cell text as literal Markdown: `~~` would strike out, `*` emphasise, `|` end the cell."""
    for char in "\\|*~":
        text = text.replace(char, "\\" + char)
    return text


# Advance widths in em of Libertinus Serif (typst's default face, in both paths), as typst
# measures them; characters not listed count as a wide lower-case letter.
EM = {**dict.fromkeys("0123456789", 0.47), **dict.fromkeys("fijlrt", 0.32), **dict.fromkeys("mw", 0.8),
      **dict.fromkeys("IJ", 0.32), **dict.fromkeys("MW", 0.95), **dict.fromkeys(" \u00a0", 0.25),
      **dict.fromkeys(".,;:'\u2019", 0.24), **dict.fromkeys("()/", 0.33), **dict.fromkeys("[]", 0.36),
      "-": 0.34, **dict.fromkeys("\u2212\u2013<>=\u2264\u2265", 0.55), "\u2014": 0.75, "\u2192": 1.13,
      "%": 0.64, "_": 0.49, "\u03b2": 0.52, "\u2020": 0.59}
# Typst sets a hyphen before a digit as a minus sign.
MINUS = re.compile(r"-(?=\d|\.\d)")
SAFETY = 1.04


def text_em(text: str) -> float:
    """Width of `text` in em of the table face, a little on the wide side."""
    text = MINUS.sub("\u2212", text)
    return SAFETY * sum(EM.get(char, 0.7 if char.isupper() else 0.52) for char in text)


def is_numeric(text: str) -> bool:
    return bool(text) and NUMERIC.fullmatch(text) is not None


def column_units(header: list[str], body: list[list[str]], font_scale: float = 1.0,
                 landscape: bool = False) -> list[int]:
    """Column widths in SEPARATOR_UNITS parts of the line: every column at least its
    widest unbreakable text (a word, or a whole numeric cell) plus the cell insets, and
    the rest of the line shared by how much more each column would take unwrapped.
    They add up to more than SEPARATOR_UNITS when the table cannot fit at this size."""
    em = BODY_FONT_PT * TABLE_FONT_SCALE * font_scale
    unit = TEXT_WIDTH_PT["landscape" if landscape else "portrait"] / SEPARATOR_UNITS
    pad = 2 * CELL_INSET_PT
    minimum, natural = [], []
    for i, head in enumerate(header):
        cells = [head, *(row[i] for row in body)]
        words = [word for cell in cells for word in ([cell] if is_numeric(cell) else cell.split())]
        minimum.append(math.ceil((max((text_em(w) for w in words), default=1) * em + pad) / unit))
        natural.append(max(math.ceil((max(text_em(c) for c in cells) * em + pad) / unit), minimum[-1]))
    spare = SEPARATOR_UNITS - sum(minimum)
    if spare <= 0:
        return minimum
    wanted = [n - m for n, m in zip(natural, minimum)]
    if sum(wanted) <= spare:  # fits unwrapped: share the slack by natural width
        wanted = natural
    shares = [spare * w / sum(wanted) for w in wanted]
    units = [m + math.floor(s) for m, s in zip(minimum, shares)]
    # The units lost to rounding go to the columns that lost most.
    for i in sorted(range(len(units)), key=lambda i: math.floor(shares[i]) - shares[i])[:SEPARATOR_UNITS - sum(units)]:
        units[i] += 1
    return units


def _separator(units: Sequence[int], right: list[bool]) -> str:
    cells = ["-" * (n - 1) + ":" if is_right else ":" + "-" * (n - 1) for n, is_right in zip(units, right)]
    return "|" + "|".join(cells) + "|"


def _raw(fmt: str, text: str) -> str:
    return f"```{{={fmt}}}\n{text}\n```"


def markdown_table(frame: pd.DataFrame, caption: str, label: str, digits: int = 2, *,
                   widths: Sequence[float] | None = None, font_scale: float = 1.0, landscape: bool = False,
                   abbreviations: Mapping[str, str] | None = None, note: str | None = None) -> str:
    """A pipe table with a Quarto caption line, cross-referenceable as @tbl-<label>.

    Columns get relative widths from their contents (column_units) unless `widths`
    gives them; columns of numbers are right-aligned and their cells never wrap.
    For a table too wide for the page (tests/panelreport/test_table_fit.py tells):
    font_scale: its text at this fraction of the usual table size (HTML and PDF);
    landscape: the table on a page of its own, turned (PDF; HTML and DOCX reflow);
    abbreviations: {short: meaning} for short headers and cells, in a note below;
    note: a sentence for that note (APA's "Note.").
    """
    cells = frame.copy()
    for column in cells.columns:
        if pd.api.types.is_float_dtype(cells[column]):
            cells[column] = cells[column].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
    header = [str(c) for c in cells.columns]
    body = [[str(v) for v in row] for row in cells.astype(str).itertuples(index=False)]
    right = [bool(body) and all(is_numeric(row[i]) or not row[i] for row in body) for i in range(len(header))]
    if widths is None:
        units = column_units(header, body, font_scale, landscape)
    elif len(widths) != len(header):
        raise ValueError(f"{label}: {len(widths)} widths for {len(header)} columns")
    else:
        units = [max(3, round(SEPARATOR_UNITS * w / sum(widths))) for w in widths]

    def cell(text: str) -> str:
        return escape(text).replace(" ", "\u00a0") if is_numeric(text) else escape(text)

    lines = ["| " + " | ".join(escape(h) for h in header) + " |", _separator(units, right)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in body]
    blocks = ["\n".join(lines), f": {caption} {{#tbl-{label}}}"]
    explained = "; ".join(f"{escape(short)} = {escape(meaning)}" for short, meaning in (abbreviations or {}).items())
    if explained or note:
        blocks.append("*Note.* " + " ".join(filter(None, [explained + "." if explained else "", note])))
    if font_scale != 1.0:
        blocks = [_raw("typst", f"#[#set text(size: {font_scale:g}em)"),
                  _raw("html", f'<div class="table-scaled" style="font-size: {font_scale:.0%}">'),
                  *blocks, _raw("html", "</div>"), _raw("typst", "]")]
    if landscape:
        blocks = [_raw("typst", "#page(flipped: true)["), *blocks, _raw("typst", "]")]
    return "\n\n".join(blocks) + "\n"


def format_p(p: float) -> str:
    """APA style: no leading zero, and '< .001' below that."""
    if pd.isna(p):
        return ""
    return "< .001" if p < 0.001 else f"{p:.3f}".lstrip("0")
