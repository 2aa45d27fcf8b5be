"""Snakemake: gather the bootstrap chunks; Monte Carlo and bootstrap intervals of the indirect effect."""

import pandas as pd

from csv_output import write_csv
from indirect_effects import PATHS, bootstrap_interval, monte_carlo_interval, path_estimates

estimates = pd.read_csv(snakemake.input.estimates)
vcov = pd.read_csv(snakemake.input.vcov).set_index("label")
paths = path_estimates(estimates)
mc = monte_carlo_interval(paths, vcov.loc[list(PATHS), list(PATHS)].to_numpy(), snakemake.params.draws,
                          snakemake.params.seed)
replicates = pd.concat([pd.read_csv(path) for path in snakemake.input.chunks], ignore_index=True)
replicates = replicates.sort_values("replicate").reset_index(drop=True)
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
