"""Rule power_summary: the power replications gathered; summary, N for 80% power, tables,
figure and the planning document's variables."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from panelreport.figures import plot_power  # noqa: E402
from panelreport.layout import table_layout  # noqa: E402
from panelreport.markdown import markdown_table  # noqa: E402
from panelreport.power_report import analytic_curve, needed_table, planning_variables, power_table  # noqa: E402
from panelreport.variables import write_yaml  # noqa: E402
from panelsem.io import write_csv  # noqa: E402
from panelstudy.power import TARGET, needed, summarise  # noqa: E402
from panelstudy.recovery import parameter_label  # noqa: E402

params, out = snakemake.params, snakemake.output
design = params.design
results = pd.concat([pd.read_csv(path, dtype={"converged": bool}) for path in snakemake.input.chunks],
                    ignore_index=True)
results = results.sort_values(["n_per_arm", "replication", "parameter"], kind="stable").reset_index(drop=True)
counts = results.groupby("n_per_arm")["replication"].nunique()
if list(counts.index) != list(design["sizes"]) or (counts != design["replications"]).any():
    raise RuntimeError(f"gathered replications per size {counts.to_dict()}, expected {design['replications']} "
                       f"at each of {design['sizes']}")
effects = pd.read_csv(snakemake.input.analytic)
summary = summarise(results, design, effects)
n80 = needed(summary, effects, design)
write_csv(results, out.replications)
write_csv(summary, out.summary)
write_csv(n80, out.needed)

names = dict(params.names)
arms = len(design["data"]["arms"])
table = power_table(summary, names)
write_csv(table, out.table_csv)
Path(out.table_md).write_text(markdown_table(
    table, f"Power of each hypothesised effect by participants per arm ({design['replications']} simulated trials "
           f"per size; two-sided tests at alpha = {design['alpha']}, detections on the hypothesised side), with the "
           "analytic power, bias and interval coverage against the pseudo-true values",
    "power", digits=3, **table_layout("power")))
n_table = needed_table(n80, effects, names)
write_csv(n_table, out.needed_csv)
Path(out.needed_md).write_text(markdown_table(
    n_table, f"Participants per arm for {TARGET:.0%} power: interpolated between the simulated sizes, with the sizes "
             "where the upper and lower ends of the Monte Carlo 95% band reach it, and analytically",
    "power-n", digits=3, **table_layout("power-n")))
dense = np.linspace(0.5 * min(design["sizes"]), 1.1 * max(design["sizes"]), 200)
curves = {row["parameter"]: (dense, analytic_curve(row, dense, arms, design["alpha"])) for _, row in effects.iterrows()}
titles = {p: parameter_label(p, names) for p in effects["parameter"]}
plot_power(summary, curves, titles, TARGET, out.png, out.svg)
settings = {key: params[key] for key in ("design", "planned", "study", "seed", "names", "labels")}
write_yaml(planning_variables(summary, n80, effects, pd.read_csv(snakemake.input.truth),
                              pd.read_csv(snakemake.input.patterns), settings,
                              params.planned["pseudo_true"]["n_per_arm"] * arms, params.planned["pseudo_true"]["batches"]),
           out.variables)
