"""Snakemake: fit the same RI-CLPM with lavaan and write the side-by-side table."""

import tempfile
from pathlib import Path

import pandas as pd

from csv_output import write_csv
from lavaan_crosscheck import compare, run_lavaan, summarise
from riclpm import build_riclpm
from sem_engine import fit_model

constructs = dict(snakemake.params.constructs)
spec = build_riclpm(constructs, list(snakemake.params.waves), lagged=snakemake.params.lagged)
wide = pd.read_csv(snakemake.input.wide, dtype={"id": str})
ours = fit_model(wide, spec)
with tempfile.TemporaryDirectory() as workdir:
    lavaan = run_lavaan(wide, spec, Path(workdir))
table = compare(ours, lavaan)
write_csv(table, snakemake.output.comparison)
with open(snakemake.log[0], "w") as log:
    for name, value in summarise(table).items():
        print(f"{name}: {value:.3g}", file=log)
