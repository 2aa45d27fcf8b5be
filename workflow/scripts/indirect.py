"""Rule indirect: the bootstrap gathered; Monte Carlo and bootstrap intervals of each
indirect effect of one model."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.indirect import bootstrap_interval, bootstrap_p, monte_carlo_interval, path_estimates, product  # noqa: E402
from panelstudy.seeds import derive_seed  # noqa: E402

params, inputs = snakemake.params, snakemake.input
estimates = pd.read_csv(inputs.estimates)
vcov = pd.read_csv(inputs.vcov).set_index("label")
replicates = pd.concat([pd.read_csv(path, dtype={"converged": bool}) for path in inputs.chunks], ignore_index=True)
replicates = replicates.sort_values("replicate").reset_index(drop=True)
if len(replicates) != params.replications:
    raise RuntimeError(f"gathered {len(replicates)} bootstrap replicates, expected {params.replications}")
rows = []
for number, chain in enumerate(params.chains):
    parameters, name = list(chain["parameters"]), "*".join(chain["parameters"])
    # The first indirect effect keeps the seed stream of a study with one.
    seed = params.seed if number == 0 else derive_seed(params.seed, name)
    mc = monte_carlo_interval(path_estimates(estimates, parameters), vcov.loc[parameters, parameters].to_numpy(),
                              params.draws, seed)
    values = product(replicates, parameters)
    replicates[name] = values
    boot = bootstrap_interval(values, replicates["converged"])
    rows.append({
        "chain": name,
        "estimate": mc["estimate"],
        "mc_lower": mc["lower"],
        "mc_upper": mc["upper"],
        "mc_draws": mc["draws"],
        "boot_lower": boot["lower"],
        "boot_upper": boot["upper"],
        "boot_replicates": boot["replicates"],
        "boot_not_converged": boot["not_converged"],
        "boot_p": bootstrap_p(values),
    })
write_csv(replicates, snakemake.output.replicates)
write_csv(pd.DataFrame(rows, columns=["chain", "estimate", "mc_lower", "mc_upper", "mc_draws", "boot_lower",
                                      "boot_upper", "boot_replicates", "boot_not_converged", "boot_p"]),
          snakemake.output.indirect)
