"""Rule variables: the manuscript's variables file and its synthetic-data banner."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelreport.recovery_report import recovery_variables  # noqa: E402
from panelreport.variables import banner_markdown, build_variables, write_yaml  # noqa: E402

params, inp = snakemake.params, snakemake.input
raters = params.raters
study = {"seed": params.seed, "data": params.data, "model": params.model, "min_domains": params.min_domains}
models = {}
for rater, lagged, fit_path in zip(raters, inp.lagged, inp.fit):
    fit = pd.read_csv(fit_path)
    models[rater] = (pd.read_csv(lagged), dict(zip(fit["measure"], fit["value"])))
diagnostics = {rater: json.loads(Path(path).read_text()) for rater, path in zip(raters, inp.diagnostics)}
indirect = {rater: pd.read_csv(path) for rater, path in zip(raters, inp.indirect)}
claims = pd.read_csv(inp.claims, keep_default_na=False, na_values=[""])
variables = build_variables(study, pd.read_csv(inp.sample), pd.read_csv(inp.retention), pd.read_csv(inp.icc),
                            models, diagnostics, indirect, claims, json.loads(Path(inp.provenance).read_text()))
variables["recovery"] = recovery_variables(pd.read_csv(inp.recovery), params.recovery)
write_yaml(variables, snakemake.output.variables)
Path(snakemake.output.banner).write_text(banner_markdown(study))
