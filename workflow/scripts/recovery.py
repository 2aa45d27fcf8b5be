"""Rule recovery: the recovery replications gathered; summary, table and figure."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelreport.figures import plot_recovery  # noqa: E402
from panelreport.layout import table_layout  # noqa: E402
from panelreport.markdown import markdown_table  # noqa: E402
from panelreport.recovery_report import recovery_table  # noqa: E402
from panelreport.truth_report import pseudo_true_table  # noqa: E402
from panelsem.io import write_csv  # noqa: E402
from panelstudy.recovery import coverage_band, gather_replications, summarise, targets  # noqa: E402

params, out = snakemake.params, snakemake.output
results = gather_replications(snakemake.input.chunks, params.recovery["replications"])
pseudo_true = pd.read_csv(snakemake.input.pseudo_true)
summary = summarise(results, targets(pseudo_true, params.model), dict(params.names))
write_csv(results, out.replications)
write_csv(summary, out.summary)
table = recovery_table(summary)
write_csv(table, out.table_csv)
caption = (f"Parameter recovery over {params.recovery['replications']} synthetic trials drawn from the population, "
           f"each with {params.recovery['bootstrap']} bootstrap resamples (the multiple-indicator model in the first "
           f"{params.recovery['indicator_replications']}): bias and coverage of 95% intervals (Monte Carlo standard "
           "error in brackets) against the pseudo-true value of each effect, which checks the estimator, and "
           "against its latent (population) value, which shows the cost of measurement error")
Path(out.table_md).write_text(markdown_table(table, caption, "recovery", digits=3, **table_layout("recovery")))
plot_recovery(summary, coverage_band(int(summary["replications"].min())), out.png, out.svg)
table = pseudo_true_table(pseudo_true, dict(params.model_labels), dict(params.names))
write_csv(table, out.pseudo_true_csv)
caption = (f"Latent and pseudo-true values: each model fitted to one synthetic trial of {int(pseudo_true['n'].iloc[0])} "
           f"participants (in {int(pseudo_true['batches'].iloc[0])} batches, for the Monte Carlo standard errors) "
           "with the design's missing data (pseudo-true) and with none (complete data); the multiple-indicator "
           "model on complete data only")
Path(out.pseudo_true_md).write_text(markdown_table(table, caption, "pseudo_true", digits=3, **table_layout("pseudo_true")))
