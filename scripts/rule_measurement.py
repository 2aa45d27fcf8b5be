"""Snakemake rule script: reliability (table and figure), descriptives, retention, ICCs."""

from pathlib import Path

import pandas as pd

from csv_output import write_csv
from descriptives import descriptives_by_arm_week, icc_table, retention_by_week
from reliability import plot_reliability, reliability_table
from scoring import read_validated

config = snakemake.config  # noqa: F821 (injected by Snakemake)
inputs, outputs = snakemake.input, snakemake.output  # noqa: F821
validated = {key: read_validated(inputs[key]) for key in config["instruments"]}
scores = pd.read_csv(inputs.scores, dtype={"id": str, "arm": str}, keep_default_na=False, na_values=[""])

reliability = reliability_table(validated, config)
write_csv(reliability, outputs.reliability)
labels = {key: inst["label"] for key, inst in config["instruments"].items()}
plot_reliability(reliability, outputs.reliability_png, outputs.reliability_svg, labels)
write_csv(descriptives_by_arm_week(scores, config), outputs.descriptives)
write_csv(retention_by_week(scores, validated, config), outputs.retention)
write_csv(icc_table(scores, config), outputs.icc)
heywood = [f"{row.instrument} week {row.week}" for row in reliability[reliability["heywood"]].itertuples()]
Path(snakemake.log[0]).write_text(  # noqa: F821
    f"reliability for {len(reliability)} instrument-weeks; Heywood cases: {', '.join(heywood) or 'none'}\n",
    encoding="utf-8",
)
