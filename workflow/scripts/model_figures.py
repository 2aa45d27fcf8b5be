"""Rule model_figures: path diagram, forest plot of the lagged effects, and individual trajectories."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelreport.figures import plot_forest, plot_individual_trajectories, plot_path_diagram  # noqa: E402
from panelstudy.design import PROCESS_LABELS  # noqa: E402

params, out = snakemake.params, snakemake.output
raters = params.raters
lagged = {rater: pd.read_csv(path) for rater, path in zip(raters, snakemake.input.lagged)}
plot_path_diagram(lagged[raters[0]], PROCESS_LABELS, f"Within-person lagged effects, {raters[0]}-rated alliance (b)",
                  out.paths_png, out.paths_svg)
plot_forest(lagged, PROCESS_LABELS, out.forest_png, out.forest_svg)
scores = pd.read_csv(snakemake.input.scores, dtype={"id": str}, keep_default_na=False, na_values=[""])
plot_individual_trajectories(scores[scores["week"].isin(params.waves)], list(params.instruments), params.labels,
                             params.n_people, params.seed, out.individual_png, out.individual_svg)
