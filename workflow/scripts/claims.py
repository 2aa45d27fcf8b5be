"""Rule claims: the claims, indirect-effect and sensitivity tables (CSV and Markdown)."""

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

inp, out = snakemake.input, snakemake.output
raters = snakemake.params.raters


def per_rater(paths, **read):
    return {rater: pd.read_csv(path, **read) for rater, path in zip(raters, paths)}


lagged, indirect = per_rater(inp.lagged), per_rater(inp.indirect)
truth = json.loads(Path(inp.truth).read_text()) if inp.get("truth") else None

claims = claims_table(lagged, indirect, truth)
write_csv(claims, out.claims_csv)
caption = ("The abstract's claims on the analysed data; Wald intervals for single paths, a bootstrap percentile "
           "interval for the indirect effect" + ("; on synthetic data, the population value and whether the "
                                                 "interval covers it" if truth else ""))
Path(out.claims_md).write_text(markdown_table(claims_display(claims), caption, "claims", **table_layout("claims")))
ind = indirect_table(indirect)
write_csv(ind, out.indirect_csv)
Path(out.indirect_md).write_text(
    markdown_table(ind, "Indirect effect of alliance on depression through emotion regulation, with Monte Carlo "
                        "and bootstrap 95% intervals", "indirect", digits=3, **table_layout("indirect")))

comparisons = per_rater(inp.sensitivity_comparison)
models = per_rater(inp.sensitivity_models, keep_default_na=False, na_values=[""])
for frame, name, caption in [
    (sensitivity_comparison_table(comparisons), "sensitivity",
     "Sensitivity models: likelihood-ratio tests of nested models, and information criteria. "
     "† The restriction fixes variances at 0, on the boundary of the parameter space: the null distribution "
     "is then a chi-bar-square mixture and the naive p-value shown is conservative"),
    (sensitivity_models_table(models), "sensitivity_effects",
     "Key within-person lagged effects, b (SE), in each sensitivity model"),
]:
    write_csv(frame, out[f"{name}_csv"])
    Path(out[f"{name}_md"]).write_text(markdown_table(frame, caption, name, digits=3, **table_layout(name)))
