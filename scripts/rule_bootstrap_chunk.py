"""Snakemake: one chunk of bootstrap replicates for one alliance rater (scattered job)."""

import pandas as pd

from csv_output import write_csv
from indirect_effects import PATHS, bootstrap_replicates
from riclpm import build_riclpm
from sem_engine import fit_model

constructs = dict(snakemake.params.constructs)
spec = build_riclpm(constructs, list(snakemake.params.waves), lagged="invariant")
wide = pd.read_csv(snakemake.input.wide, dtype={"id": str})
# The full-sample fit is only a warm start here, so it skips SEs and fit measures.
start = fit_model(wide, spec, se=False, fit_measures=False)
labels = sorted({"b_D_A", *PATHS})
seeds = {int(k): int(v) for k, v in snakemake.params.seeds.items()}
write_csv(bootstrap_replicates(wide, spec, start, seeds, labels), snakemake.output[0])
