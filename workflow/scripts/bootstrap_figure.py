"""Rule bootstrap_figure: the bootstrap distribution of each indirect effect in each model."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelreport.figures import plot_bootstrap  # noqa: E402

params, inp = snakemake.params, snakemake.input
labels = [params.models[model] for model in params.models]
replicates = {label: pd.read_csv(path) for label, path in zip(labels, inp.replicates)}
indirect = {label: pd.read_csv(path) for label, path in zip(labels, inp.indirect)}
plot_bootstrap(replicates, indirect, dict(params.chains), snakemake.output.png, snakemake.output.svg)
