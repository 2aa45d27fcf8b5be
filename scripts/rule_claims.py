"""Snakemake: the claims, indirect-effect and sensitivity tables (CSV and Markdown)."""

import json
from pathlib import Path

import pandas as pd

from claims import claims_display, claims_table
from csv_output import write_csv
from tables import indirect_table, markdown_table, sensitivity_comparison_table, sensitivity_models_table

config = snakemake.config
inp = snakemake.input
raters = [config["instruments"][key]["rater"] for key in config["model"]["alliance"]]
lagged = {rater: pd.read_csv(path) for rater, path in zip(raters, inp.lagged)}
indirect = {rater: pd.read_csv(path) for rater, path in zip(raters, inp.indirect)}
truth = json.loads(Path(inp.truth).read_text()) if inp.get("truth") else None

claims = claims_table(lagged, indirect, truth)
write_csv(claims, snakemake.output.claims_csv)
caption = ("The abstract's claims on the analysed data; Wald intervals for single paths, a bootstrap percentile "
           "interval for the indirect effect" + ("; on synthetic data, the population value and whether the "
                                                 "interval covers it" if truth else ""))
Path(snakemake.output.claims_md).write_text(markdown_table(claims_display(claims), caption, "claims"))
ind = indirect_table(indirect)
write_csv(ind, snakemake.output.indirect_csv)
Path(snakemake.output.indirect_md).write_text(
    markdown_table(ind, "Indirect effect of alliance on depression through emotion regulation, with Monte Carlo "
                        "and bootstrap 95% intervals", "indirect", digits=3))

comparisons = {rater: pd.read_csv(path) for rater, path in zip(raters, inp.sensitivity_comparison)}
models = {rater: pd.read_csv(path, keep_default_na=False, na_values=[""]) for rater, path in zip(raters, inp.sensitivity_models)}
for frame, name, caption in [
    (sensitivity_comparison_table(comparisons), "sensitivity",
     "Sensitivity models: likelihood-ratio tests of nested models, and information criteria. "
     "† The restriction fixes variances at 0, on the boundary of the parameter space: the null distribution "
     "is then a chi-bar-square mixture and the naive p-value shown is conservative"),
    (sensitivity_models_table(models), "sensitivity_effects",
     "Key within-person lagged effects, b (SE), in each sensitivity model"),
]:
    write_csv(frame, snakemake.output[f"{name}_csv"])
    Path(snakemake.output[f"{name}_md"]).write_text(markdown_table(frame, caption, name, digits=3))
