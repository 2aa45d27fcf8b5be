"""Rule recovery_chunk: the replications of one scatter item of the parameter-recovery study."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import time  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.recovery import run_replications, scatter_indices  # noqa: E402

design = snakemake.params.design
start = time.perf_counter()
indices = scatter_indices(snakemake.params.scatteritem, design["recovery"]["replications"])
results = run_replications(design, indices, design["recovery"]["bootstrap"], design["monte_carlo"]["draws"])
write_csv(results, snakemake.output[0])
note(f"replications {indices}: {time.perf_counter() - start:.1f} s")
