"""Rule power_population: pseudo-true values and missing-data patterns of the planned trial."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import time  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.power import pseudo_true  # noqa: E402

out = snakemake.output
start = time.perf_counter()
truth, patterns = pseudo_true(snakemake.params.design)
write_csv(truth, out.truth)
write_csv(patterns, out.patterns)
size = snakemake.params.design["pseudo_true"]
note(f"one trial of {size['n_per_arm']} per arm in {size['batches']} batches: {len(patterns)} "
     f"missing-data patterns, {time.perf_counter() - start:.1f} s")
