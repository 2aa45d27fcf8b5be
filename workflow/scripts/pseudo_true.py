"""Rule pseudo_true: the values the analysis converges to under the synthetic generator."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import time  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.pseudotrue import pseudo_true_values  # noqa: E402

params = snakemake.params
start = time.perf_counter()
values = pseudo_true_values(params.design, params.size["n_per_arm"], int(params.seed), params.size["batches"],
                            models=dict(params.design["models"]), indicators=True)
write_csv(values, snakemake.output[0])
note(f"{int(values['n'].iloc[0])} participants in {params.size['batches']} batches: "
     f"{time.perf_counter() - start:.1f} s")
