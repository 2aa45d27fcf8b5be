"""Rule lavaan_crosscheck: the same RI-CLPM fitted with lavaan, side by side with ours."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelsem.fit import fit_model  # noqa: E402
from panelsem.io import write_csv  # noqa: E402
from panelsem.lavaan import compare, run_lavaan, summarise  # noqa: E402
from panelsem.spec import build_riclpm  # noqa: E402

params = snakemake.params
spec = build_riclpm(dict(params.constructs), list(params.waves), lagged=params.lagged)
wide = pd.read_csv(snakemake.input.wide, dtype={"id": str, "arm": str})
wide = wide[wide["arm"].isin(params.arms)]
ours = fit_model(wide, spec, se=params.se)
with tempfile.TemporaryDirectory() as workdir:
    lavaan = run_lavaan(wide, spec, Path(workdir), se=params.se)
table = compare(ours, lavaan)
write_csv(table, snakemake.output.comparison)
for name, value in summarise(table).items():
    note(f"{name}: {value:.3g}")
