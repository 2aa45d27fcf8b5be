"""Snakemake: compare the rebuilt values with the committed reference; fail on any drift."""

import sys
from pathlib import Path

from verification import compare, read_values, report_lines, summary

report = compare(read_values(snakemake.input.reference), read_values(snakemake.input.reported),  # noqa: F821
                 dict(snakemake.params.tolerance), list(snakemake.params.exclude))  # noqa: F821
text = "\n".join([*report_lines(report), summary(report)]) + "\n"
Path(snakemake.log[0]).write_text(text, encoding="utf-8")  # noqa: F821
print(text, end="", flush=True)
if (report["status"] != "pass").any():
    print(f"Verification failed against {snakemake.input.reference}; every line is in {snakemake.log[0]}",  # noqa: F821
          file=sys.stderr)
    sys.exit(1)
Path(snakemake.output[0]).write_text(summary(report) + "\n", encoding="utf-8")  # noqa: F821
