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
raters, labels = params.raters, params.labels


def per_rater(paths, read=pd.read_csv):
    return dict(zip(raters, map(read, paths)))


built = {
    "sample": (tables.sample_table(pd.read_csv(inp.scores, dtype={"id": str}), params.arms, params.depression,
                                   params.depression_first_week, max(params.waves)),
               "Sample by treatment arm"),
    "data_quality": (tables.data_quality_table(pd.read_csv(inp.intake), pd.read_csv(inp.exclusions, dtype={"id": str}),
                                               labels),
                     "Data quality: every row read and every score that could not be computed"),
    "reliability": (tables.reliability_summary(pd.read_csv(inp.reliability), labels),
                    "Internal consistency over weeks (omega from a one-factor model)"),
    "icc": (tables.icc_summary(pd.read_csv(inp.icc, dtype={"weeks": str}), labels),
            "Intraclass correlations: the share of each score's variance that lies between persons "
            "(REML random-intercept model)"),
    "descriptives": (tables.descriptives_summary(pd.read_csv(inp.descriptives), labels, params.arms, params.waves),
                     "Scores by arm at the first, middle and last week of the model"),
    "model_fit": (tables.model_fit_table(per_rater(inp.fit), per_rater(inp.diagnostics, lambda p: json.loads(Path(p).read_text()))),
                  "Fit and convergence of the RI-CLPM with patient- and therapist-rated alliance"),
    "between_person": (tables.between_person_table(per_rater(inp.ri_correlations)),
                       "Between-person part: correlations of the random intercepts"),
    "lagged_effects": (tables.lagged_table(per_rater(inp.lagged)),
                       "Within-person lagged effects (b: unstandardised; β: standardised)"),
}
for name, (frame, caption) in built.items():
    index = params.tables.index(name)
    write_csv(frame, snakemake.output.csv[index])
    digits = 3 if name == "lagged_effects" else 2
    Path(snakemake.output.md[index]).write_text(markdown_table(frame, caption, name, digits, **table_layout(name)))
