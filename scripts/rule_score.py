"""Snakemake rule script: validated item tables -> long scores, wide panel, exclusions."""

from pathlib import Path

from csv_output import write_csv
from scoring import exclusions, read_validated, score_all, wide_panel

config = snakemake.config  # noqa: F821 (injected by Snakemake)
inputs, outputs = snakemake.input, snakemake.output  # noqa: F821
validated = {key: read_validated(inputs[key]) for key in config["instruments"]}

scores = score_all(validated, config)
missing = exclusions(scores)
write_csv(scores, outputs.scores)
write_csv(wide_panel(scores, config), outputs.wide)
write_csv(missing, outputs.exclusions)
Path(snakemake.log[0]).write_text(  # noqa: F821
    f"scored {len(scores)} participant-weeks; {len(missing)} missing, reasons in {outputs.exclusions}\n",
    encoding="utf-8",
)
