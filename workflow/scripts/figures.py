"""Rule figures: trajectory and retention figures."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelreport.figures import plot_retention, plot_trajectories  # noqa: E402

labels, out = snakemake.params.labels, snakemake.output
plot_trajectories(pd.read_csv(snakemake.input.descriptives), labels, out.trajectories_png, out.trajectories_svg)
plot_retention(pd.read_csv(snakemake.input.retention), labels, out.retention_png, out.retention_svg)
