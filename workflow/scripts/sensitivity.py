"""Rule sensitivity: CLPM, free lags, LCM-SR, multigroup by arm and the multiple-indicator
RI-CLPM for one model, with the table of model comparisons."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import time  # noqa: E402

import pandas as pd  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.sensitivity import fit_sensitivity  # noqa: E402

t0 = time.perf_counter()
params = snakemake.params
wide = pd.read_csv(snakemake.input.wide, dtype={"id": str, "arm": str})
wide = wide[wide["arm"].isin(params.arms)].reset_index(drop=True)
parcels = None
if params.indicators is not None:
    parcels = pd.read_csv(snakemake.input.parcels, dtype={"id": str, "arm": str})
    parcels = parcels[parcels["arm"].isin(params.arms)].reset_index(drop=True)
    if not parcels["id"].equals(wide["id"]):
        raise RuntimeError("the parcels' panel does not have the rows of the scores' panel")
result = fit_sensitivity(wide, dict(params.constructs), list(params.waves), [tuple(e) for e in params.effects],
                         group_column="arm", groups=list(params.multigroup), min_coverage=params.min_coverage,
                         parcels=parcels, indicators=None if params.indicators is None else dict(params.indicators),
                         se=params.se)
write_csv(result.comparison, snakemake.output.comparison)
write_csv(result.models, snakemake.output.models)
# Wall times go to the log, not the results, so reruns give identical files.
for row in result.log:
    group = f" [{row['group']}]" if row["group"] else ""
    note(f"{row['model']}{group}: converged={row['converged']} grad_norm={row['grad_norm']:.2e} "
         f"seconds={row['seconds']:.2f}")
note(f"total seconds={time.perf_counter() - t0:.2f}")
