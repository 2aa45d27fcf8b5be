"""Parameter recovery: how well the analysis finds a population it is given.

Each replication draws a new synthetic trial from the population in the config's
``synthetic`` section (same design, sample size and missingness), scores it and fits
the RI-CLPM with each process's first instrument, exactly as the main analysis does.
It keeps every lagged effect with its Wald interval, and each indirect effect tested
in that model with its Monte Carlo and participant-bootstrap intervals. The first
``indicator_replications`` also fit the multiple-indicator RI-CLPM to the item parcels
(Wald and Monte Carlo intervals). The summary then gives bias, RMSE and interval
coverage against two values per effect:

- the latent value, the population's: the analysis sees scored items, which carry
  measurement error, so the score model's bias against it is the cost of that error;
- the pseudo-true value (panelstudy.pseudotrue), what the analysis converges to under
  the generator: bias and coverage against it check the estimator itself.

The functions take the recovery design (panelstudy.params.recovery). The wording is in
panelreport.recovery_report, apart, so that rewording it does not rerun the
replications.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from tqdm import tqdm

from panelsem.fit import fit_model
from panelsem.indicators import build_mi_riclpm, fit_mi_riclpm
from panelsem.results import Z975
from panelsem.spec import build_riclpm
from panelstudy.data_contract import typed
from panelstudy.design import INDICATORS, OBSERVED, lag_label
from panelstudy.indirect import bootstrap_interval, bootstrap_replicates, monte_carlo_interval, path_estimates, product
from panelstudy.parcels import model_indicators, parcel_panel
from panelstudy.scoring import score_all, wide_panel
from panelstudy.seeds import derive_seed
from panelstudy.synthetic import simulate_trial

RESULT_COLUMNS = ["replication", "seed", "analysis", "converged", "parameter", "method", "estimate", "se", "lower",
                  "upper", "bootstrap_not_converged"]
REFERENCES = ("latent", "pseudo_true")
SCATTER_ITEM = re.compile(r"^(\d+)-of-(\d+)$")


def lagged_labels(shorts: list[str]) -> list[str]:
    """Every lagged effect of the processes (short names, in model order), outcome-major."""
    return [lag_label(to, frm) for to in shorts for frm in shorts]


def chain_name(parameters) -> str:
    """An indirect effect as a parameter of the study: the product of its two paths."""
    return "*".join(parameters)


def population_values(B: np.ndarray, shorts: list[str], chains: list[dict]) -> dict[str, float]:
    """The population's lagged effects (B[to][from], config synthetic.lagged_effects)
    and the indirect effects (the products of their paths)."""
    values = {lag_label(to, frm): float(B[i, j]) for i, to in enumerate(shorts) for j, frm in enumerate(shorts)}
    for chain in chains:
        values[chain_name(chain["parameters"])] = float(np.prod([values[p] for p in chain["parameters"]]))
    return values


def scatter_indices(scatter_item: str, replications: int) -> list[int]:
    """Replications of one scatter item 'i-of-n': every n-th, so the items stay balanced."""
    match = SCATTER_ITEM.match(scatter_item)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"scatter item must look like '3-of-8', not {scatter_item!r}")
    i, n = int(match[1]), int(match[2])
    return list(range(i - 1, replications, n))


def replication_seed(design: dict, replication: int) -> int:
    # By index only: results do not depend on how replications are scattered.
    return derive_seed(design["seed"], "recovery", replication)


def simulate_panels(design: dict, seed: int, parcels: bool = False) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """A synthetic trial, validated-typed, scored and reshaped as the workflow does: the
    wide panel of scores and, if parcels, that of the instruments' item parcels; both
    with the participants of the arms the models analyse (design["model"]["arms"]),
    as the main analysis has them."""
    tables, _ = simulate_trial(design, seed)
    validated = {key: typed(frame, key, design) for key, frame in tables.items()}
    scores = score_all(validated, design["instruments"])
    analysed = scores["arm"].isin(design["model"]["arms"])
    wide = wide_panel(scores[analysed], design["instruments"])
    if not parcels:
        return wide, None
    return wide, parcel_panel(validated, design["instruments"], scores[analysed])


def wald_rows(base: dict, fit, lagged: list[str]) -> list[dict]:
    estimates = path_estimates(fit.estimates, lagged)
    se = fit.vcov.loc[lagged, lagged].to_numpy().diagonal() ** 0.5
    return [{**base, "parameter": name, "method": "Wald", "estimate": est, "se": s,
             "lower": est - Z975 * s, "upper": est + Z975 * s} for name, est, s in zip(lagged, estimates, se)]


def monte_carlo_row(base: dict, fit, chain: list[str], number: int, seed: int, draws: int) -> dict:
    name = chain_name(chain)
    # The first chain keeps the seed stream of a study with one indirect effect.
    mc_seed = derive_seed(seed, "monte_carlo") if number == 0 else derive_seed(seed, "monte_carlo", name)
    mc = monte_carlo_interval(path_estimates(fit.estimates, chain), fit.vcov.loc[list(chain), list(chain)].to_numpy(),
                              draws, mc_seed)
    return {**base, "parameter": name, "method": "Monte Carlo", "estimate": mc["estimate"], "se": np.nan,
            "lower": mc["lower"], "upper": mc["upper"]}


def failed_rows(base: dict, lagged: list[str], chains: list[list[str]], methods) -> list[dict]:
    """A fit that did not converge: kept and flagged, so the summary counts it; no
    intervals from a fit that is not a maximum."""
    return [{**base, "parameter": name, "method": method}
            for name, method in [*((label, "Wald") for label in lagged),
                                 *((chain_name(c), m) for c in chains for m in methods)]]


def analyse_replication(design: dict, replication: int, bootstrap: int, draws: int) -> list[dict]:
    """Long rows (analysis, parameter, method, estimate, se, lower, upper) for one replication."""
    seed = replication_seed(design, replication)
    indicators = replication < design["recovery"]["indicator_replications"]
    wide, parcels = simulate_panels(design, seed, parcels=indicators)
    waves = list(design["model"]["waves"])
    spec = build_riclpm(dict(design["constructs"]), waves, lagged="invariant")
    fit = fit_model(wide, spec, se=design["se"])
    lagged = lagged_labels(design["shorts"])
    chains = [chain["parameters"] for chain in design["chains"]]
    base = {"replication": replication, "seed": seed, "analysis": OBSERVED,
            "converged": bool(fit.diagnostics["converged"])}
    rows = wald_rows(base, fit, lagged) if base["converged"] else failed_rows(base, lagged, chains,
                                                                             ("Monte Carlo", "bootstrap"))
    if base["converged"] and chains:
        seeds = {b: derive_seed(seed, "bootstrap", b) for b in range(bootstrap)}
        needed = sorted({p for c in chains for p in c})
        replicates = bootstrap_replicates(wide, spec, fit, seeds, needed, progress=False)
        for number, chain in enumerate(chains):
            mc = monte_carlo_row(base, fit, chain, number, seed, draws)
            rows.append(mc)
            draws_of = product(replicates, chain)
            converged = replicates["converged"].astype(bool)
            try:
                boot = bootstrap_interval(draws_of, converged)
                row_base = base
            except ValueError:  # no replicate converged: the interval is missing, and counted as such
                boot = {"lower": np.nan, "upper": np.nan, "not_converged": len(replicates)}
                row_base = {**base, "converged": False}
            rows.append({**row_base, "parameter": mc["parameter"], "method": "bootstrap", "estimate": mc["estimate"],
                         "se": float(draws_of[converged].std(ddof=1)), "lower": boot["lower"],
                         "upper": boot["upper"], "bootstrap_not_converged": boot["not_converged"]})
    if indicators:
        mi_spec = build_mi_riclpm(model_indicators(design["constructs"], design["instruments"]), waves)
        mi = fit_mi_riclpm(parcels, mi_spec)
        mi_base = {**base, "analysis": INDICATORS, "converged": bool(mi.diagnostics["converged"])}
        if mi_base["converged"]:
            rows += wald_rows(mi_base, mi, lagged)
            rows += [monte_carlo_row(mi_base, mi, chain, number, seed, draws) for number, chain in enumerate(chains)]
        else:
            rows += failed_rows(mi_base, lagged, chains, ("Monte Carlo",))
    return rows


def run_replications(design: dict, indices: list[int], bootstrap: int, draws: int,
                     progress: bool = True) -> pd.DataFrame:
    rows = []
    for replication in tqdm(indices, desc="recovery", disable=not progress, mininterval=5):
        rows.extend(analyse_replication(design, replication, bootstrap, draws))
    # A scatter item can hold no replication when there are more items than replications.
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def gather_replications(paths, expected: int) -> pd.DataFrame:
    """The chunks of a study, in replication order; every replication must be there."""
    # Typed on reading: a scatter item without replications is a header-only CSV.
    results = pd.concat([pd.read_csv(path, dtype={"converged": bool, "analysis": str}) for path in paths],
                        ignore_index=True)
    results = results.sort_values(["replication", "analysis", "parameter", "method"], kind="stable")
    if results["replication"].nunique() != expected:
        raise RuntimeError(f"gathered {results['replication'].nunique()} replications, expected {expected}")
    return results.reset_index(drop=True)


def parameter_label(name: str, names: dict[str, str]) -> str:
    """b_D_A -> 'alliance → depression'; b_E_A*b_D_E -> 'alliance → regulation →
    depression' (names: short name -> process name)."""
    if "*" in name:
        first, second = (part.split("_") for part in name.split("*"))
        return f"{names[first[2]]} → {names[first[1]]} → {names[second[1]]}"
    _, to, frm = name.split("_")
    return f"{names[frm]} → {names[to]}"


def summarise(results: pd.DataFrame, targets: dict[tuple[str, str], dict[str, float]],
              names: dict[str, str]) -> pd.DataFrame:
    """Bias, RMSE and coverage per analysis, parameter and interval, over converged
    replications, against each reference value (REFERENCES); targets: (analysis,
    parameter) -> {"latent": ..., "pseudo_true": ...}, in the order of the rows;
    names: short name -> process name.

    Coverage comes with its Monte Carlo standard error, sqrt(c(1 - c)/R), so a
    reader can tell a real shortfall from the noise of R replications.
    """
    order = {key: i for i, key in enumerate(targets)}
    rows = []
    for (analysis, parameter, method), group in results.groupby(["analysis", "parameter", "method"], sort=False):
        ok = group[group["converged"]]
        est = ok["estimate"].to_numpy(float)
        sd = float(est.std(ddof=1)) if len(est) > 1 else np.nan
        row = {
            "analysis": analysis,
            "parameter": parameter,
            "label": parameter_label(parameter, names),
            "interval": method,
            "replications": len(ok),
            "not_converged": int((~group["converged"]).sum()),
            "mean_estimate": float(est.mean()) if len(est) else np.nan,
            "empirical_sd": sd,
            "mean_se": float(ok["se"].mean()),
            "mean_width": float((ok["upper"] - ok["lower"]).mean()),
        }
        for reference in REFERENCES:
            true = targets[(analysis, parameter)][reference]
            covered = (ok["lower"] <= true) & (true <= ok["upper"])
            coverage = float(covered.mean()) if len(ok) else np.nan
            bias = row["mean_estimate"] - true
            row.update({
                reference: true,
                f"bias_{reference}": bias,
                f"relative_bias_{reference}": float(bias / true) if true != 0 else np.nan,
                f"standardised_bias_{reference}": float(bias / sd) if sd and sd > 0 else np.nan,
                f"rmse_{reference}": float(np.sqrt(np.mean((est - true) ** 2))) if len(est) else np.nan,
                f"coverage_{reference}": coverage,
                f"coverage_{reference}_mcse": float(np.sqrt(coverage * (1 - coverage) / len(ok))) if len(ok)
                else np.nan,
            })
        rows.append(row)
    out = pd.DataFrame(rows)
    out["_order"] = [order[key] for key in zip(out["analysis"], out["parameter"])]
    return out.sort_values(["_order", "interval"], kind="stable").drop(columns="_order").reset_index(drop=True)


def targets(pseudo_true: pd.DataFrame, model: str) -> dict[tuple[str, str], dict[str, float]]:
    """The reference values of a model's parameters from the pseudo-true table
    (panelstudy.pseudotrue): the latent value, and the pseudo-true one; for the
    multiple-indicator model, computed on complete data only, its complete-data limit."""
    out = {}
    for _, row in pseudo_true[pseudo_true["model"] == model].iterrows():
        value = row["complete_data"] if row["analysis"] == INDICATORS else row["pseudo_true"]
        out[(row["analysis"], row["parameter"])] = {"latent": float(row["latent"]), "pseudo_true": float(value)}
    return out


def coverage_band(replications: int, nominal: float = 0.95) -> tuple[float, float]:
    """Where 95% of coverage estimates fall if the true coverage is nominal."""
    half = Z975 * np.sqrt(nominal * (1 - nominal) / replications)
    return nominal - half, min(1.0, nominal + half)
