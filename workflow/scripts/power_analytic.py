"""Rule power_analytic: each effect's standard error per participant from the expected information."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import time  # noqa: E402

import pandas as pd  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.power import analytic  # noqa: E402

inp = snakemake.input
start = time.perf_counter()
effects = analytic(snakemake.params.design, pd.read_csv(inp.truth), pd.read_csv(inp.patterns))
write_csv(effects, snakemake.output[0])
note(f"expected information over {len(pd.read_csv(inp.patterns))} patterns: {time.perf_counter() - start:.2f} s")
