"""Snakemake: the manuscript's variables file and its synthetic-data banner."""

import json
from pathlib import Path

import pandas as pd

from manuscript_variables import banner_markdown, build_variables, write_yaml
from recovery_summary import recovery_variables

config = snakemake.config
inp = snakemake.input
raters = [config["instruments"][key]["rater"] for key in config["model"]["alliance"]]
models = {}
for rater, lagged, fit_path in zip(raters, inp.lagged, inp.fit):
    fit = pd.read_csv(fit_path)
    models[rater] = (pd.read_csv(lagged), dict(zip(fit["measure"], fit["value"])))
diagnostics = {rater: json.loads(Path(path).read_text()) for rater, path in zip(raters, inp.diagnostics)}
indirect = {rater: pd.read_csv(path) for rater, path in zip(raters, inp.indirect)}
claims = pd.read_csv(inp.claims, keep_default_na=False, na_values=[""])
variables = build_variables(config, pd.read_csv(inp.sample), pd.read_csv(inp.retention), pd.read_csv(inp.icc),
                            models, diagnostics, indirect, claims, json.loads(Path(inp.provenance).read_text()))
variables["recovery"] = recovery_variables(pd.read_csv(inp.recovery), config)
write_yaml(variables, snakemake.output.variables)
Path(snakemake.output.banner).write_text(banner_markdown(config))
