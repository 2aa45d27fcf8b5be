"""Snakemake: the result tables, as CSV and as captioned Markdown."""

from pathlib import Path

import json

import pandas as pd

import tables
from csv_output import write_csv

config = snakemake.config
inp = snakemake.input
raters = [config["instruments"][key]["rater"] for key in snakemake.params.alliance]
built = {
    "sample": (tables.sample_table(pd.read_csv(inp.scores, dtype={"id": str}), config),
               "Sample by treatment arm"),
    "data_quality": (tables.data_quality_table(pd.read_csv(inp.intake), pd.read_csv(inp.exclusions, dtype={"id": str}), config),
                     "Data quality: every row read and every score that could not be computed"),
    "reliability": (tables.reliability_summary(pd.read_csv(inp.reliability), config),
                    "Internal consistency over weeks (omega from a one-factor model)"),
    "icc": (tables.icc_summary(pd.read_csv(inp.icc, dtype={"weeks": str}), config),
            "Intraclass correlations: the share of each score's variance that lies between persons "
            "(REML random-intercept model)"),
    "descriptives": (tables.descriptives_summary(pd.read_csv(inp.descriptives), config),
                     "Scores by arm at the first, middle and last week of the model"),
    "model_fit": (tables.model_fit_table(dict(zip(raters, map(pd.read_csv, inp.fit))),
                                         {r: json.loads(Path(p).read_text()) for r, p in zip(raters, inp.diagnostics)}),
                  "Fit and convergence of the RI-CLPM with patient- and therapist-rated alliance"),
    "between_person": (tables.between_person_table(dict(zip(raters, map(pd.read_csv, inp.ri_correlations)))),
                       "Between-person part: correlations of the random intercepts"),
    "lagged_effects": (tables.lagged_table(dict(zip(raters, map(pd.read_csv, inp.lagged)))),
                       "Within-person lagged effects (b: unstandardised; β: standardised)"),
}
for name, (frame, caption) in built.items():
    write_csv(frame, Path(snakemake.output.csv[snakemake.params.tables.index(name)]))
    digits = 3 if name == "lagged_effects" else 2
    Path(snakemake.output.md[snakemake.params.tables.index(name)]).write_text(tables.markdown_table(frame, caption, name, digits))
