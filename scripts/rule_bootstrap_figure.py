"""Snakemake: the bootstrap distribution of the indirect effect."""

import pandas as pd

from figures import plot_bootstrap

raters = [snakemake.config["instruments"][key]["rater"] for key in snakemake.config["model"]["alliance"]]
replicates = {rater: pd.read_csv(path) for rater, path in zip(raters, snakemake.input.replicates)}
indirect = {rater: pd.read_csv(path) for rater, path in zip(raters, snakemake.input.indirect)}
plot_bootstrap(replicates, indirect, snakemake.output.png, snakemake.output.svg)
