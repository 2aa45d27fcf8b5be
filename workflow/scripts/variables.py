"""Rule variables: the manuscript's variables file and its synthetic-data banner."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelreport.recovery_report import recovery_variables  # noqa: E402
from panelreport.truth_report import indicators_on_data, truth_text  # noqa: E402
from panelreport.variables import banner_markdown, build_variables, write_yaml  # noqa: E402

params, inp = snakemake.params, snakemake.input
models = {}
for model, lagged, fit_path, diagnostics, indirect in zip(params.models, inp.lagged, inp.fit, inp.diagnostics,
                                                          inp.indirect):
    fit = pd.read_csv(fit_path)
    models[model] = {
        "label": params.models[model],
        "lagged": pd.read_csv(lagged),
        "fit": dict(zip(fit["measure"], fit["value"])),
        "diagnostics": json.loads(Path(diagnostics).read_text()),
        "indirect": pd.read_csv(indirect),
        "directions": params.directions[model],
    }
study = dict(params.study)
sample = pd.read_csv(inp.sample, dtype={"Arm": str, "Randomised": object})
sample["Randomised"] = [int(v) if str(v).isdigit() else v for v in sample["Randomised"]]
claims = pd.read_csv(inp.claims, keep_default_na=False, na_values=[""])
variables = build_variables(study, sample, pd.read_csv(inp.retention), pd.read_csv(inp.icc), models, claims,
                            json.loads(Path(inp.provenance).read_text()))
variables["recovery"] = recovery_variables(pd.read_csv(inp.recovery), params.recovery)
effects = [tuple(e) for e in params.effects]
keys = [f"b_{o}_{p}" for o, p in effects] + ["*".join(c) for c in params.chains]
variables["truth"] = truth_text(pd.read_csv(inp.pseudo_true), params.primary, keys, dict(params.names))
for model, path in zip(params.models, inp.sensitivity_models):
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    variables["models"][model]["indicators"] = indicators_on_data(frame, effects, dict(params.names))
write_yaml(variables, snakemake.output.variables)
Path(snakemake.output.banner).write_text(banner_markdown(study))
