"""Rule bootstrap_chunk: one scatter item of bootstrap replicates for one alliance rater."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelsem.fit import fit_model  # noqa: E402
from panelsem.io import write_csv  # noqa: E402
from panelsem.spec import build_riclpm  # noqa: E402
from panelstudy.indirect import bootstrap_replicates  # noqa: E402

params = snakemake.params
spec = build_riclpm(dict(params.constructs), list(params.waves), lagged="invariant")
wide = pd.read_csv(snakemake.input.wide, dtype={"id": str, "arm": str})
wide = wide[wide["arm"].isin(params.arms)].reset_index(drop=True)
seeds = {int(k): int(v) for k, v in params.seeds.items()}
# The full-sample fit is only a warm start here, so it skips SEs and fit measures.
start = fit_model(wide, spec, se=False, fit_measures=False) if seeds else None
write_csv(bootstrap_replicates(wide, spec, start, seeds, list(params.parameters)), snakemake.output[0])
