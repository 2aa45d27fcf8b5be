"""Parameter recovery: how well the analysis finds a population it is given.

Each replication draws a new synthetic trial from the population in
``config["synthetic"]`` (same design, sample size and missingness), scores it
and fits the patient-rated RI-CLPM exactly as the main analysis does. It keeps
every lagged effect with its Wald interval, and the indirect effect with its
Monte Carlo and participant-bootstrap intervals. The summary then gives bias,
RMSE and interval coverage against the population values.

The population values are those of the latent scores. The analysis sees scored
items, which carry measurement error, so some bias towards zero is expected and
is reported as found. Its wording is in panelreport.recovery_report, apart, so
that rewording it does not rerun the replications.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from tqdm import tqdm

from panelsem.fit import fit_model
from panelsem.results import Z975
from panelsem.spec import build_riclpm
from panelstudy.data_contract import typed
from panelstudy.design import LAGGED, PROCESS_OF, PROCESSES, SHORT, model_constructs
from panelstudy.indirect import PATHS, bootstrap_interval, bootstrap_replicates, monte_carlo_interval, path_estimates
from panelstudy.scoring import score_all, wide_panel
from panelstudy.seeds import derive_seed
from panelstudy.synthetic import instrument_keys, simulate_trial

INDIRECT = "indirect"
RESULT_COLUMNS = ["replication", "seed", "converged", "parameter", "method", "estimate", "se", "lower", "upper",
                  "bootstrap_not_converged"]
SCATTER_ITEM = re.compile(r"^(\d+)-of-(\d+)$")


def population_values(B: np.ndarray) -> dict[str, float]:
    """The population's lagged effects (B[to][from], config synthetic.lagged_effects) and indirect effect."""
    values = {f"b_{SHORT[to]}_{SHORT[frm]}": float(B[i, j])
              for i, to in enumerate(PROCESSES) for j, frm in enumerate(PROCESSES)}
    values[INDIRECT] = values["b_E_A"] * values["b_D_E"]
    return values


def constructs(config: dict) -> dict[str, str]:
    """The wide-panel column prefixes of the process the population defines (patient alliance)."""
    return model_constructs(config["model"], instrument_keys(config)["alliance"])


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
    scores = score_all({key: typed(frame, key, config) for key, frame in tables.items()}, config["instruments"])
    return wide_panel(scores, config["instruments"])


def analyse_replication(config: dict, replication: int, bootstrap: int, draws: int) -> list[dict]:
    """Long rows (parameter, method, estimate, se, lower, upper) for one replication."""
    seed = replication_seed(config, replication)
    wide = simulate_panel(config, seed)
    spec = build_riclpm(constructs(config), list(config["model"]["waves"]), lagged="invariant")
    fit = fit_model(wide, spec)
    base = {"replication": replication, "seed": seed, "converged": bool(fit.diagnostics["converged"])}
    if not base["converged"]:
        # Kept and flagged, so the summary counts it; no intervals from a fit that is not a maximum.
        return [{**base, "parameter": name, "method": method}
                for name, method in [*((label, "Wald") for label in LAGGED),
                                     (INDIRECT, "Monte Carlo"), (INDIRECT, "bootstrap")]]
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
    try:
        boot = bootstrap_interval(replicates)
    except ValueError:  # no replicate converged: the interval is missing, and counted as such
        boot = {"lower": np.nan, "upper": np.nan, "not_converged": len(replicates)}
        base = {**base, "converged": False}
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


def parameter_label(name: str) -> str:
    """b_D_A -> 'alliance → depression'."""
    if name == INDIRECT:
        return "alliance → regulation → depression"
    _, to, frm = name.split("_")
    return f"{PROCESS_OF[frm]} → {PROCESS_OF[to]}"


def summarise(results: pd.DataFrame, truth: dict[str, float]) -> pd.DataFrame:
    """Bias, RMSE and coverage per parameter and interval, over converged replications.

    Coverage comes with its Monte Carlo standard error, sqrt(c(1 - c)/R), so a
    reader can tell a real shortfall from the noise of R replications.
    """
    order = {name: i for i, name in enumerate([*LAGGED, INDIRECT])}
    rows = []
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
