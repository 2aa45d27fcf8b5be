"""Tables as Markdown for the manuscript, and the formatting shared by every report."""

import pandas as pd


def escape(text: str) -> str:
    """Cell text as literal Markdown: `~~` would strike out, `*` emphasise, `|` end the cell."""
    for char in "\\|*~":
        text = text.replace(char, "\\" + char)
    return text


def _column_width(values: list[str]) -> int:
    """Relative width for pandoc (which reads it from the dashes): wide enough for the
    longest word, so that words do not break, plus a share of the longest cell."""
    longest_word = max((len(word) for value in values for word in value.split()), default=1)
    return max(longest_word, round(0.6 * max(len(value) for value in values)), 3)


def markdown_table(frame: pd.DataFrame, caption: str, label: str, digits: int = 2) -> str:
    """A pipe table with a Quarto caption line, cross-referenceable as @tbl-<label>."""
    cells = frame.copy()
    for column in cells.columns:
        if pd.api.types.is_float_dtype(cells[column]):
            cells[column] = cells[column].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
    header = [escape(str(c)) for c in cells.columns]
    body = [[escape(str(v)) for v in row] for row in cells.astype(str).itertuples(index=False)]
    widths = [_column_width([h, *(row[i] for row in body)]) for i, h in enumerate(header)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(":" + "-" * w for w in widths) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines) + f"\n\n: {caption} {{#tbl-{label}}}\n"


def format_p(p: float) -> str:
    """APA style: no leading zero, and '< .001' below that."""
    if pd.isna(p):
        return ""
    return "< .001" if p < 0.001 else f"{p:.3f}".lstrip("0")
