"""Parameter recovery: how well the analysis finds a population it is given.

Each replication draws a new synthetic trial from the population in
``config["synthetic"]`` (same design, sample size and missingness), scores it
and fits the patient-rated RI-CLPM exactly as the main analysis does. It keeps
every lagged effect with its Wald interval, and the indirect effect with its
Monte Carlo and participant-bootstrap intervals. The summary then gives bias,
RMSE and interval coverage against the population values.

The population values are those of the latent scores. The analysis sees scored
items, which carry measurement error, so some bias towards zero is expected and
is reported as found.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from tqdm import tqdm

from data_contract import typed
from indirect_effects import PATHS, bootstrap_interval, bootstrap_replicates, monte_carlo_interval, path_estimates
from riclpm import build_riclpm
from scoring import score_all, wide_panel
from seeds import derive_seed
from sem_engine import fit_model
from synthetic_trial import PROCESSES, instrument_keys, population, simulate_trial

SHORT = dict(zip(PROCESSES, "AED"))
NAMES = {"A": "alliance", "E": "regulation", "D": "depression"}
LAGGED = [f"b_{SHORT[to]}_{SHORT[frm]}" for to in PROCESSES for frm in PROCESSES]
INDIRECT = "indirect"
Z975 = 1.959963984540054
RESULT_COLUMNS = ["replication", "seed", "converged", "parameter", "method", "estimate", "se", "lower", "upper",
                  "bootstrap_not_converged"]
SCATTER_ITEM = re.compile(r"^(\d+)-of-(\d+)$")


def parameter_label(name: str) -> str:
    """b_D_A -> 'alliance → depression'."""
    if name == INDIRECT:
        return "alliance → regulation → depression"
    _, to, frm = name.split("_")
    return f"{NAMES[frm]} → {NAMES[to]}"


def population_values(config: dict) -> dict[str, float]:
    """The population's lagged effects (B[to][from]) and indirect effect."""
    B = population(config)["B"]
    values = {f"b_{SHORT[to]}_{SHORT[frm]}": float(B[i, j])
              for i, to in enumerate(PROCESSES) for j, frm in enumerate(PROCESSES)}
    values[INDIRECT] = values["b_E_A"] * values["b_D_E"]
    return values


def constructs(config: dict) -> dict[str, str]:
    """The wide-panel column prefixes of the process the population defines (patient alliance)."""
    keys = instrument_keys(config)
    return {"A": f"{keys['alliance']}_", "E": f"{config['model']['regulation']}_",
            "D": f"{config['model']['depression']}_"}


def scatter_indices(scatter_item: str, replications: int) -> list[int]:
    """Replications of one scatter item 'i-of-n': every n-th, so the items stay balanced."""
    match = SCATTER_ITEM.match(scatter_item)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"scatter item must look like '3-of-8', not {scatter_item!r}")
    i, n = int(match[1]), int(match[2])
    return list(range(i - 1, replications, n))


def replication_seed(config: dict, replication: int) -> int:
    # By index only: results do not depend on how replications are scattered.
    return derive_seed(config["seed"], "recovery", replication)


def simulate_panel(config: dict, seed: int) -> pd.DataFrame:
    """A synthetic trial, validated-typed, scored and reshaped as the workflow does."""
    tables, _ = simulate_trial(config, seed)
    scores = score_all({key: typed(frame, key, config) for key, frame in tables.items()}, config)
    return wide_panel(scores, config)


def analyse_replication(config: dict, replication: int, bootstrap: int, draws: int) -> list[dict]:
    """Long rows (parameter, method, estimate, se, lower, upper) for one replication."""
    seed = replication_seed(config, replication)
    wide = simulate_panel(config, seed)
    spec = build_riclpm(constructs(config), list(config["model"]["waves"]), lagged="invariant")
    fit = fit_model(wide, spec)
    base = {"replication": replication, "seed": seed, "converged": bool(fit.diagnostics["converged"])}
    rows = []
    estimates = path_estimates(fit.estimates, LAGGED)
    se = fit.vcov.loc[LAGGED, LAGGED].to_numpy().diagonal() ** 0.5
    for name, est, s in zip(LAGGED, estimates, se):
        rows.append({**base, "parameter": name, "method": "Wald", "estimate": est, "se": s,
                     "lower": est - Z975 * s, "upper": est + Z975 * s})
    paths = path_estimates(fit.estimates, PATHS)
    mc = monte_carlo_interval(paths, fit.vcov.loc[list(PATHS), list(PATHS)].to_numpy(), draws,
                              derive_seed(seed, "monte_carlo"))
    rows.append({**base, "parameter": INDIRECT, "method": "Monte Carlo", "estimate": mc["estimate"],
                 "se": np.nan, "lower": mc["lower"], "upper": mc["upper"]})
    seeds = {b: derive_seed(seed, "bootstrap", b) for b in range(bootstrap)}
    replicates = bootstrap_replicates(wide, spec, fit, seeds, list(PATHS), progress=False)
    boot = bootstrap_interval(replicates)
    rows.append({**base, "parameter": INDIRECT, "method": "bootstrap", "estimate": mc["estimate"],
                 "se": float(replicates.loc[replicates["converged"], "indirect"].std(ddof=1)),
                 "lower": boot["lower"], "upper": boot["upper"],
                 "bootstrap_not_converged": boot["not_converged"]})
    return rows


def run_replications(config: dict, indices: list[int], bootstrap: int, draws: int,
                     progress: bool = True) -> pd.DataFrame:
    rows = []
    for replication in tqdm(indices, desc="recovery", disable=not progress, mininterval=5):
        rows.extend(analyse_replication(config, replication, bootstrap, draws))
    # A scatter item can hold no replication when there are more items than replications.
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def summarise(results: pd.DataFrame, truth: dict[str, float]) -> pd.DataFrame:
    """Bias, RMSE and coverage per parameter and interval, over converged replications.

    Coverage comes with its Monte Carlo standard error, sqrt(c(1 - c)/R), so a
    reader can tell a real shortfall from the noise of R replications.
    """
    order = {name: i for i, name in enumerate([*LAGGED, INDIRECT])}
    rows = []
    # Header-only chunks (more scatter items than replications) read back as object columns.
    results = results.astype({"converged": bool})
    for (parameter, method), group in results.groupby(["parameter", "method"], sort=False):
        ok = group[group["converged"]]
        true = truth[parameter]
        est = ok["estimate"].to_numpy(float)
        covered = (ok["lower"] <= true) & (true <= ok["upper"])
        coverage = float(covered.mean()) if len(ok) else np.nan
        sd = float(est.std(ddof=1)) if len(est) > 1 else np.nan
        rows.append({
            "parameter": parameter,
            "label": parameter_label(parameter),
            "interval": method,
            "true": true,
            "replications": len(ok),
            "not_converged": int((~group["converged"]).sum()),
            "mean_estimate": float(est.mean()),
            "bias": float(est.mean() - true),
            "relative_bias": float((est.mean() - true) / true) if true != 0 else np.nan,
            "standardised_bias": float((est.mean() - true) / sd) if sd and sd > 0 else np.nan,
            "rmse": float(np.sqrt(np.mean((est - true) ** 2))),
            "empirical_sd": sd,
            "mean_se": float(ok["se"].mean()),
            "coverage": coverage,
            "coverage_mcse": float(np.sqrt(coverage * (1 - coverage) / len(ok))) if len(ok) else np.nan,
            "mean_width": float((ok["upper"] - ok["lower"]).mean()),
        })
    out = pd.DataFrame(rows)
    out["_order"] = out["parameter"].map(order)
    return out.sort_values(["_order", "interval"], kind="stable").drop(columns="_order").reset_index(drop=True)


def coverage_band(replications: int, nominal: float = 0.95) -> tuple[float, float]:
    """Where 95% of coverage estimates fall if the true coverage is nominal."""
    half = Z975 * np.sqrt(nominal * (1 - nominal) / replications)
    return nominal - half, min(1.0, nominal + half)


def summary_text(summary: pd.DataFrame) -> dict[str, str]:
    """Sentences for the supplement's variables file."""
    lo, hi = coverage_band(int(summary["replications"].min()))
    wald = summary[summary["interval"] == "Wald"]
    inside = wald[(wald["coverage"] >= lo) & (wald["coverage"] <= hi)]
    low = wald[wald["coverage"] < lo]
    ind = summary[summary["parameter"] == INDIRECT].set_index("interval")

    def pct(x):
        return f"{100 * x:.0f}%"

    lagged = (f"{len(inside)} of {len(wald)} Wald intervals of the lagged effects covered the population "
              f"value at a rate consistent with 95% (between {pct(lo)} and {pct(hi)} with "
              f"{int(wald['replications'].min())} replications)")
    if len(low):
        worst = low.sort_values("coverage").iloc[0]
        lagged += (f"; {len(low)} fell short, the lowest being {worst['label']} at {pct(worst['coverage'])} "
                   f"(bias {worst['bias']:.3f}, {worst['standardised_bias']:.2f} empirical SDs)")
    indirect = (f"The indirect effect was estimated at {ind.loc['Monte Carlo', 'mean_estimate']:.3f} on average "
                f"against a population value of {ind.loc['Monte Carlo', 'true']:.3f} "
                f"(relative bias {100 * ind.loc['Monte Carlo', 'relative_bias']:.0f}%); its Monte Carlo interval "
                f"covered the population value in {pct(ind.loc['Monte Carlo', 'coverage'])} of replications and "
                f"the bootstrap interval in {pct(ind.loc['bootstrap', 'coverage'])}")
    ratio = wald["mean_se"] / wald["empirical_sd"]
    precision = (f"Across the lagged effects the mean standard error was {ratio.min():.2f} to {ratio.max():.2f} "
                 "times the empirical SD of the estimates")
    if ratio.between(0.9, 1.1).all():
        precision += ("; the standard errors describe the spread of the estimates well, so where an interval "
                      "falls short of 95% the cause is bias rather than a too-narrow interval.")
    else:
        precision += "; a ratio below 1 means intervals narrower than the estimates' spread."
    return {"lagged": lagged + ".", "indirect": indirect + ".", "precision": precision}


def recovery_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The supplement's table: one row per parameter and interval."""
    return pd.DataFrame({
        "Effect": summary["label"],
        "Interval": summary["interval"],
        "Population": summary["true"],
        "Mean estimate": summary["mean_estimate"],
        "Bias": summary["bias"],
        "Bias (empirical SDs)": summary["standardised_bias"],
        "RMSE": summary["rmse"],
        "Empirical SD": summary["empirical_sd"],
        "Mean SE": summary["mean_se"],
        "Coverage": [f"{c:.3f} ({m:.3f})" for c, m in zip(summary["coverage"], summary["coverage_mcse"])],
        "Mean width": summary["mean_width"],
        "Replications (not converged)": [f"{n} ({k})" for n, k in zip(summary["replications"],
                                                                      summary["not_converged"])],
    })


def convergence_text(summary: pd.DataFrame) -> str:
    failed = int(summary["not_converged"].max())
    total = failed + int(summary.loc[summary["not_converged"].idxmax(), "replications"])
    if failed == 0:
        return f"All {total} replications converged."
    return (f"{failed} of {total} replications did not converge; they are counted in the table "
            "and left out of the summaries.")


def recovery_variables(summary: pd.DataFrame, config: dict) -> dict:
    """The recovery study's numbers as the manuscript quotes them."""
    ind = summary[summary["parameter"] == INDIRECT].set_index("interval")
    lo, hi = coverage_band(int(summary["replications"].min()))
    return {
        "replications": int(config["recovery"]["replications"]),
        "bootstrap": int(config["recovery"]["bootstrap"]),
        "convergence": convergence_text(summary),
        "band": f"{lo:.3f} and {hi:.3f}",
        "indirect": {
            "true": f"{ind.loc['Monte Carlo', 'true']:.3f}",
            "mean": f"{ind.loc['Monte Carlo', 'mean_estimate']:.3f}",
            "relative_bias": f"{100 * ind.loc['Monte Carlo', 'relative_bias']:.0f}%",
            "coverage_mc": f"{ind.loc['Monte Carlo', 'coverage']:.3f}",
            "coverage_bootstrap": f"{ind.loc['bootstrap', 'coverage']:.3f}",
        },
        **summary_text(summary),
    }
