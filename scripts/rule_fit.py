"""Snakemake: fit the RI-CLPM for one alliance rater to the wide panel."""

import json

import pandas as pd

from model_results import lagged_effects
from riclpm import build_riclpm
from sem_engine import fit_model
from csv_output import write_csv

constructs = {short: f"{key}_" for short, key in snakemake.params.constructs.items()}
spec = build_riclpm(constructs, list(snakemake.params.waves), lagged=snakemake.params.lagged)
wide = pd.read_csv(snakemake.input.wide, dtype={"id": str})
result = fit_model(wide, spec)

write_csv(result.estimates, snakemake.output.estimates)
write_csv(lagged_effects(result.estimates, spec.lagged), snakemake.output.lagged)
write_csv(pd.DataFrame({"measure": list(result.fit), "value": list(result.fit.values())}), snakemake.output.fit)
with open(snakemake.output.diagnostics, "w") as handle:
    json.dump(result.diagnostics, handle, indent=2, sort_keys=True, default=str)
    handle.write("\n")
