"""Snakemake: trajectory and retention figures."""

import pandas as pd

from figures import plot_retention, plot_trajectories

labels = {key: inst["label"] for key, inst in snakemake.config["instruments"].items()}
out = snakemake.output
plot_trajectories(pd.read_csv(snakemake.input.descriptives), labels, out.trajectories_png, out.trajectories_svg)
plot_retention(pd.read_csv(snakemake.input.retention), labels, out.retention_png, out.retention_svg)
