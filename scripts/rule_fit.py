"""Snakemake: fit the RI-CLPM for one alliance rater to the wide panel."""

import json

import pandas as pd

from csv_output import write_csv
from model_results import summarise_lagged
from riclpm import build_riclpm
from sem_engine import fit_model, lagged_effects, ri_correlations

constructs = dict(snakemake.params.constructs)
spec = build_riclpm(constructs, list(snakemake.params.waves), lagged=snakemake.params.lagged)
wide = pd.read_csv(snakemake.input.wide, dtype={"id": str})
result = fit_model(wide, spec)

write_csv(result.estimates, snakemake.output.estimates)
write_csv(summarise_lagged(lagged_effects(result, spec)), snakemake.output.lagged)
write_csv(ri_correlations(result, spec), snakemake.output.ri_correlations)
lagged_labels = sorted({label for labels in spec.lagged.values() for label in ([labels] if isinstance(labels, str) else labels)})
write_csv(result.vcov.loc[lagged_labels, lagged_labels].rename_axis("label").reset_index(), snakemake.output.lagged_vcov)
write_csv(pd.DataFrame({"measure": list(result.fit), "value": list(result.fit.values())}), snakemake.output.fit)
# Wall time goes to the log, not the results, so reruns give identical files.
diagnostics = {k: v for k, v in result.diagnostics.items() if k != "seconds"}
with open(snakemake.output.diagnostics, "w") as handle:
    json.dump(diagnostics, handle, indent=2, sort_keys=True, default=str)
    handle.write("\n")
with open(snakemake.log[0], "w") as log:
    print(f"converged={diagnostics['converged']} grad_norm={diagnostics['grad_norm']:.2e} "
          f"seconds={result.diagnostics['seconds']:.2f}", file=log)
