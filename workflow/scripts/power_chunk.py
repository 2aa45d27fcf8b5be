"""Rule power_chunk: the Monte Carlo replications of one sample size and scatter item."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import time  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.power import run_replications  # noqa: E402
from panelstudy.recovery import scatter_indices  # noqa: E402

params = snakemake.params
start = time.perf_counter()
indices = scatter_indices(params.scatteritem, params.replications)
results = run_replications(params.design, params.n_per_arm, indices)
write_csv(results, snakemake.output[0])
note(f"n per arm {params.n_per_arm}, {len(indices)} replications: {time.perf_counter() - start:.1f} s")
