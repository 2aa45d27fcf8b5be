"""Snakemake: gather the recovery replications; summary, tables and figure."""

from pathlib import Path

import pandas as pd

from csv_output import write_csv
from figures import plot_recovery
from recovery import population_values
from recovery_summary import coverage_band, recovery_table, summarise
from tables import markdown_table

config = snakemake.config  # noqa: F821
out = snakemake.output  # noqa: F821
# Typed on reading: a scatter item without replications is a header-only CSV.
results = pd.concat([pd.read_csv(path, dtype={"converged": bool}) for path in snakemake.input.chunks],  # noqa: F821
                    ignore_index=True)
results = results.sort_values(["replication", "parameter", "method"], kind="stable").reset_index(drop=True)
expected = config["recovery"]["replications"]
if results["replication"].nunique() != expected:
    raise RuntimeError(f"gathered {results['replication'].nunique()} replications, expected {expected}")
summary = summarise(results, population_values(config))
write_csv(results, out.replications)
write_csv(summary, out.summary)
table = recovery_table(summary)
write_csv(table, out.table_csv)
caption = (f"Parameter recovery over {expected} synthetic trials drawn from the population, each with "
           f"{config['recovery']['bootstrap']} bootstrap resamples: bias, RMSE and coverage of 95% intervals "
           "(Monte Carlo standard error in brackets) against the population value of each effect")
Path(out.table_md).write_text(markdown_table(table, caption, "recovery", digits=3))
plot_recovery(summary, coverage_band(int(summary["replications"].min())), out.png, out.svg)
