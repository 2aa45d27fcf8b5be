"""Snakemake: sensitivity models (CLPM, free lags, LCM-SR, multigroup by arm) for one
alliance rater, with the table of nested-model comparisons."""

import time

import pandas as pd

from csv_output import write_csv
from sensitivity import fit_sensitivity

t0 = time.perf_counter()
constructs = dict(snakemake.params.constructs)
wide = pd.read_csv(snakemake.input.wide, dtype={"id": str})
result = fit_sensitivity(wide, constructs, list(snakemake.params.waves),
                         group_column=snakemake.params.group_column)
write_csv(result.comparison, snakemake.output.comparison)
write_csv(result.models, snakemake.output.models)
# Wall times go to the log, not the results, so reruns give identical files.
with open(snakemake.log[0], "w") as log:
    for row in result.log:
        group = f" [{row['group']}]" if row["group"] else ""
        print(f"{row['model']}{group}: converged={row['converged']} grad_norm={row['grad_norm']:.2e} "
              f"seconds={row['seconds']:.2f}", file=log)
    print(f"total seconds={time.perf_counter() - t0:.2f}", file=log)
