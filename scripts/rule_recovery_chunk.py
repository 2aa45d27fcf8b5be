"""Snakemake: the replications of one scatter item of the parameter-recovery study."""

import time
from pathlib import Path

from csv_output import write_csv
from recovery import run_replications, scatter_indices

config = snakemake.config  # noqa: F821
start = time.perf_counter()
indices = scatter_indices(snakemake.wildcards.scatteritem, config["recovery"]["replications"])  # noqa: F821
results = run_replications(config, indices, config["recovery"]["bootstrap"], config["monte_carlo"]["draws"])
write_csv(results, snakemake.output[0])  # noqa: F821
Path(snakemake.log[0]).write_text(  # noqa: F821
    f"replications {indices}: {time.perf_counter() - start:.1f} s\n", encoding="utf-8")
