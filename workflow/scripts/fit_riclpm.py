"""Rule fit_riclpm: the RI-CLPM for one alliance rater, fitted to the wide panel."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import json  # noqa: E402

import pandas as pd  # noqa: E402

from panelsem.fit import fit_model  # noqa: E402
from panelsem.io import write_csv  # noqa: E402
from panelsem.results import lagged_effects, ri_correlations, summarise_lagged  # noqa: E402
from panelsem.spec import build_riclpm  # noqa: E402

params, out = snakemake.params, snakemake.output
spec = build_riclpm(dict(params.constructs), list(params.waves), lagged=params.lagged)
wide = pd.read_csv(snakemake.input.wide, dtype={"id": str, "arm": str})
wide = wide[wide["arm"].isin(params.arms)]
result = fit_model(wide, spec, se=params.se)

write_csv(result.estimates, out.estimates)
write_csv(summarise_lagged(lagged_effects(result, spec)), out.lagged)
write_csv(ri_correlations(result), out.ri_correlations)
labels = sorted(spec.lag_labels())
write_csv(result.vcov.loc[labels, labels].rename_axis("label").reset_index(), out.lagged_vcov)
write_csv(pd.DataFrame({"measure": list(result.fit), "value": list(result.fit.values())}), out.fit)
# Wall time goes to the log, not the results, so reruns give identical files.
diagnostics = {k: v for k, v in result.diagnostics.items() if k != "seconds"}
with open(out.diagnostics, "w") as handle:
    json.dump(diagnostics, handle, indent=2, sort_keys=True, default=str)
    handle.write("\n")
note(f"converged={diagnostics['converged']} grad_norm={diagnostics['grad_norm']:.2e} "
     f"seconds={result.diagnostics['seconds']:.2f}")
