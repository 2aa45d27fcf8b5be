"""Rule individual_figure: weekly scores of a random handful of participants (no ids shown)."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelreport.figures import plot_individual_trajectories  # noqa: E402

params, out = snakemake.params, snakemake.output
scores = pd.read_csv(snakemake.input.scores, dtype={"id": str}, keep_default_na=False, na_values=[""])
plot_individual_trajectories(scores[scores["week"].isin(params.waves)], list(params.instruments), dict(params.labels),
                             params.n_people, params.seed, out.png, out.svg)
