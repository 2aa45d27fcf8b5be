"""Snakemake: record what produced the results (results/provenance.json)."""

from pathlib import Path

from provenance import provenance, write_provenance
from tables import provenance_markdown

data_files = {key: snakemake.input[key] for key in snakemake.config["instruments"]}
record = provenance(snakemake.config, data_files, Path(snakemake.input.requirements).resolve().parent, snakemake.input.requirements)
write_provenance(record, snakemake.output.json)
Path(snakemake.output.md).write_text(provenance_markdown(record))
