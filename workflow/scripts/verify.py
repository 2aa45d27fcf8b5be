"""Rule verify: the rebuilt values against the committed reference; fails on any drift."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from panelreport.verification import compare, read_values, report_lines, summary  # noqa: E402

inp, params = snakemake.input, snakemake.params
report = compare(read_values(inp.reference), read_values(inp.reported), dict(params.tolerance), list(params.exclude))
note("\n".join([*report_lines(report), summary(report)]))
if (report["status"] != "pass").any():
    note(f"Verification failed against {inp.reference}; every line is in {snakemake.log[0]}")
    sys.exit(1)
Path(snakemake.output[0]).write_text(summary(report) + "\n", encoding="utf-8")
