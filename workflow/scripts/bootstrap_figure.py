"""Rule bootstrap_figure: the bootstrap distribution of the indirect effect."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelreport.figures import plot_bootstrap  # noqa: E402

raters, inp = snakemake.params.raters, snakemake.input
replicates = {rater: pd.read_csv(path) for rater, path in zip(raters, inp.replicates)}
indirect = {rater: pd.read_csv(path) for rater, path in zip(raters, inp.indirect)}
plot_bootstrap(replicates, indirect, snakemake.output.png, snakemake.output.svg)
