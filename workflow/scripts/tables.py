"""Rule tables: the result tables, as CSV and as captioned Markdown."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelreport import tables  # noqa: E402
from panelreport.layout import table_layout  # noqa: E402
from panelreport.markdown import markdown_table  # noqa: E402
from panelsem.io import write_csv  # noqa: E402

params, inp = snakemake.params, snakemake.input
models, labels, names = params.models, params.labels, params.names
privacy = tables.Privacy.of(params.privacy["settings"], params.privacy["source"])


def per_model(paths, read=pd.read_csv):
    """Each model's file, by the model's label."""
    return {models[model]: read(path) for model, path in zip(models, paths)}


diagnostics = per_model(inp.diagnostics, lambda p: json.loads(Path(p).read_text()))
converged = {model: bool(d["converged"]) for model, d in diagnostics.items()}
directions = {models[model]: d for model, d in params.directions.items()}
scores = pd.read_csv(inp.scores, dtype={"id": str, "arm": str}, keep_default_na=False, na_values=[""])
built = {
    "sample": (tables.sample_table(scores, params.arms, params.modelled_arms, params.outcome, params.outcome_label,
                                   params.outcome_first_week, max(params.waves), privacy),
               "Sample by arm"),
    "data_quality": (tables.data_quality_table(pd.read_csv(inp.intake), scores, labels, privacy),
                     "Data quality: every row read, every score that could not be computed, and the scores that "
                     "do not apply by design"),
    "reliability": (tables.reliability_summary(pd.read_csv(inp.reliability), labels),
                    "Internal consistency over weeks (omega from a one-factor model)"),
    "icc": (tables.icc_summary(pd.read_csv(inp.icc, dtype={"weeks": str}), labels),
            "Intraclass correlations: the share of each score's variance that lies between persons "
            "(REML random-intercept model)"),
    "descriptives": (tables.descriptives_summary(pd.read_csv(inp.descriptives, dtype={"arm": str}), labels,
                                                 [a["name"] for a in params.arms], params.waves, params.given, privacy),
                     "Scores by arm at the first, middle and last week of the model"),
    "model_fit": (tables.model_fit_table(per_model(inp.fit), diagnostics),
                  "Fit and convergence of the RI-CLPM" + (", one column per model" if len(models) > 1 else "")),
    "between_person": (tables.between_person_table(per_model(inp.ri_correlations), names, converged),
                       "Between-person part: correlations of the random intercepts"),
    "lagged_effects": (tables.lagged_table(per_model(inp.lagged), names, directions, converged),
                       "Within-person lagged effects of each process in week t − 1 on each in week t (b: "
                       "unstandardised, on the instruments' score scales; β: standardised), with the direction of "
                       "each estimate in the processes' terms"),
}
for name, (frame, caption) in built.items():
    index = params.tables.index(name)
    write_csv(frame, snakemake.output.csv[index])
    digits = 3 if name == "lagged_effects" else 2
    Path(snakemake.output.md[index]).write_text(markdown_table(frame, caption, name, digits, **table_layout(name)))
