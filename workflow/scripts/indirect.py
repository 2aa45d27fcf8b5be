"""Rule indirect: the bootstrap gathered; Monte Carlo and bootstrap intervals of the indirect effect."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.indirect import PATHS, bootstrap_interval, monte_carlo_interval, path_estimates  # noqa: E402

params, inputs = snakemake.params, snakemake.input
estimates = pd.read_csv(inputs.estimates)
vcov = pd.read_csv(inputs.vcov).set_index("label")
paths = path_estimates(estimates)
mc = monte_carlo_interval(paths, vcov.loc[list(PATHS), list(PATHS)].to_numpy(), params.draws, params.seed)
replicates = pd.concat([pd.read_csv(path, dtype={"converged": bool}) for path in inputs.chunks], ignore_index=True)
replicates = replicates.sort_values("replicate").reset_index(drop=True)
if len(replicates) != params.replications:
    raise RuntimeError(f"gathered {len(replicates)} bootstrap replicates, expected {params.replications}")
boot = bootstrap_interval(replicates)
write_csv(replicates, snakemake.output.replicates)
write_csv(pd.DataFrame([{
    "path": "alliance(t) -> regulation(t+1) -> depression(t+2)",
    "estimate": mc["estimate"],
    "mc_lower": mc["lower"],
    "mc_upper": mc["upper"],
    "mc_draws": mc["draws"],
    "boot_lower": boot["lower"],
    "boot_upper": boot["upper"],
    "boot_replicates": boot["replicates"],
    "boot_not_converged": boot["not_converged"],
    # Two-sided bootstrap p-value: twice the share of replicates on the far side of 0.
    "boot_p": min(1.0, 2 * min((replicates["indirect"] <= 0).mean(), (replicates["indirect"] >= 0).mean())),
}]), snakemake.output.indirect)
