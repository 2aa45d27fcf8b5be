"""Snakemake: path diagram, forest plot of the lagged effects, and individual trajectories."""

import pandas as pd

from figures import plot_forest, plot_individual_trajectories, plot_path_diagram

config = snakemake.config
out = snakemake.output
raters = [config["instruments"][key]["rater"] for key in config["model"]["alliance"]]
lagged = {rater: pd.read_csv(path) for rater, path in zip(raters, snakemake.input.lagged)}
plot_path_diagram(lagged[raters[0]], f"Within-person lagged effects, {raters[0]}-rated alliance (b)",
                  out.paths_png, out.paths_svg)
plot_forest(lagged, out.forest_png, out.forest_svg)
model = config["model"]
instruments = [model["alliance"][0], model["regulation"], model["depression"]]
labels = {key: inst["label"] for key, inst in config["instruments"].items()}
scores = pd.read_csv(snakemake.input.scores, dtype={"id": str}, keep_default_na=False, na_values=[""])
plot_individual_trajectories(scores[scores["week"].isin(model["waves"])], instruments, labels,
                             snakemake.params.n_people, snakemake.params.seed,
                             out.individual_png, out.individual_svg)
