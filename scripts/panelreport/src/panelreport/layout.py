"""How each table of the manuscript is typeset: options of markdown.markdown_table, by the
table's label. A table not listed gets the defaults (column widths from its contents, the
table font of manuscript/typst-tables.typ). The end-to-end test of the workflow fails when
a table of the built paper or supplement does not fit its page (paneltools.tablefit); add
the table here then: abbreviations with shorter headers, font_scale, or landscape."""

TABLE_LAYOUT: dict[str, dict] = {
    # Fourteen columns of estimates and intervals: wider than a portrait page at any
    # readable size.
    "recovery": {"landscape": True},
    # Sentences in the first three columns: a smaller font keeps them to a few lines.
    "claims": {"font_scale": 0.8},
    "lagged_effects": {"font_scale": 0.9},
    # Ten columns, an effect's name in the first: on a portrait page it wraps to three lines.
    "power": {"landscape": True, "abbreviations": {"MC SE": "Monte Carlo standard error"}},
}


def table_layout(label: str) -> dict:
    return TABLE_LAYOUT.get(label, {})
