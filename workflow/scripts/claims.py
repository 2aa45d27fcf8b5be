"""Rule claims: the hypotheses table, and the indirect-effect and sensitivity tables
(CSV and Markdown)."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelreport.claims import claims_display, claims_table  # noqa: E402
from panelreport.layout import table_layout  # noqa: E402
from panelreport.markdown import markdown_table  # noqa: E402
from panelreport.tables import indirect_table, sensitivity_comparison_table, sensitivity_models_table  # noqa: E402
from panelsem.io import write_csv  # noqa: E402

inp, out, params = snakemake.input, snakemake.output, snakemake.params
model_ids = list(params.models)


def per_model(paths, **read):
    return {model: pd.read_csv(path, **read) for model, path in zip(model_ids, paths)}


def by_label(frames):
    return {params.model_labels[model]: frame for model, frame in frames.items()}


lagged, indirect = per_model(inp.lagged), per_model(inp.indirect)
converged = {model: bool(json.loads(Path(path).read_text())["converged"]) for model, path in zip(model_ids,
                                                                                              inp.diagnostics)}
truth = json.loads(Path(inp.truth).read_text()) if inp.get("truth") else None

claims = claims_table(list(params.tests), lagged, indirect, converged, truth, dict(params.models), params.correction,
                      params.alpha)
write_csv(claims, out.claims_csv)
caption = ("The hypotheses, each in every model it is tested in, on the analysed data: Wald intervals for single "
           "paths, a bootstrap percentile interval for indirect effects"
           + ("" if params.correction == "none" else f"; p-values {params.correction.capitalize()}-adjusted over "
              "every test")
           + ("; on synthetic data, the population value and whether the interval covers it" if truth else ""))
Path(out.claims_md).write_text(markdown_table(claims_display(claims), caption, "claims", **table_layout("claims")))
ind = indirect_table(by_label(indirect), dict(params.chains),
                     {params.model_labels[m]: ok for m, ok in converged.items()})
write_csv(ind, out.indirect_csv)
Path(out.indirect_md).write_text(
    markdown_table(ind, "Indirect effects, with Monte Carlo and bootstrap 95% intervals", "indirect", digits=3,
                   **table_layout("indirect"))
    if len(ind) else "No indirect effect is declared among the hypotheses.\n")

comparisons = by_label(per_model(inp.sensitivity_comparison))
models = by_label(per_model(inp.sensitivity_models, keep_default_na=False, na_values=[""]))
effects = [tuple(e) for e in params.effects]
for frame, name, caption in [
    (sensitivity_comparison_table(comparisons), "sensitivity",
     "Sensitivity models: likelihood-ratio tests of nested models, and information criteria. "
     "† The restriction fixes variances at 0, on the boundary of the parameter space: the null distribution "
     "is then a chi-bar-square mixture and the naive p-value is conservative; the chi-bar-square p, where shown, "
     "takes its mixture weights from the information matrix (Stoel et al., 2006)"),
    (sensitivity_models_table(models, effects, dict(params.names)), "sensitivity_effects",
     "Hypothesised within-person lagged effects, b (SE), in each sensitivity model"),
]:
    write_csv(frame, out[f"{name}_csv"])
    Path(out[f"{name}_md"]).write_text(markdown_table(frame, caption, name, digits=3, **table_layout(name)))
