"""Rule recovery: the recovery replications gathered; summary, table and figure."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from panelreport.figures import plot_recovery  # noqa: E402
from panelreport.layout import table_layout  # noqa: E402
from panelreport.markdown import markdown_table  # noqa: E402
from panelreport.recovery_report import recovery_table  # noqa: E402
from panelsem.io import write_csv  # noqa: E402
from panelstudy.recovery import coverage_band, population_values, summarise  # noqa: E402

params, out = snakemake.params, snakemake.output
# Typed on reading: a scatter item without replications is a header-only CSV.
results = pd.concat([pd.read_csv(path, dtype={"converged": bool}) for path in snakemake.input.chunks],
                    ignore_index=True)
results = results.sort_values(["replication", "parameter", "method"], kind="stable").reset_index(drop=True)
expected = params.replications
if results["replication"].nunique() != expected:
    raise RuntimeError(f"gathered {results['replication'].nunique()} replications, expected {expected}")
truth = population_values(np.asarray(params.lagged_effects, float), list(params.shorts), list(params.chains))
summary = summarise(results, truth, dict(params.names))
write_csv(results, out.replications)
write_csv(summary, out.summary)
table = recovery_table(summary)
write_csv(table, out.table_csv)
caption = (f"Parameter recovery over {expected} synthetic trials drawn from the population, each with "
           f"{params.bootstrap} bootstrap resamples: bias, RMSE and coverage of 95% intervals "
           "(Monte Carlo standard error in brackets) against the population value of each effect")
Path(out.table_md).write_text(markdown_table(table, caption, "recovery", digits=3, **table_layout("recovery")))
plot_recovery(summary, coverage_band(int(summary["replications"].min())), out.png, out.svg)
