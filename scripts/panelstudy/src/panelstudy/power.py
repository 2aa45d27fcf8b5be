"""Power of a planned replication: how many participants the hypothesised lagged
effects and indirect effects need, with the planned attrition.

The functions take the planned design (panelstudy.params.power): a synthetic trial of
the planned size, waves, attrition and population, measured with each process's first
instrument, and analysed with the primary model's RI-CLPM.

- Monte Carlo: each replication draws a trial (items, scored as the main analysis
  scores them; or the latent scores observed without measurement error), fits the
  RI-CLPM from a warm start, and keeps each hypothesised effect with its test: a
  two-sided Wald test of a lagged effect, the Monte Carlo interval of an indirect
  effect; a replication counts as a detection when the test rejects at alpha with
  the estimate on the hypothesised side.
- Analytic: the expected information of the model at the pseudo-true values
  (panelsem.information), over the missing-data patterns of the planned attrition
  weighted by their shares, gives the standard error at every N; power is
  Phi(s theta / SE_N - z_(1-alpha/2)) for the hypothesised sign s, with the
  delta-method SE for an indirect effect.

Pseudo-true values are what the analysis converges to under the planned design: the
estimates of one very large simulated trial of it. With items they differ from the
population's latent values, because scored totals carry measurement error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri
from scipy.stats import norm
from tqdm import tqdm

from panelsem.fit import fit_model
from panelsem.information import expected_information, sampling_covariance
from panelsem.model import Matrices
from panelsem.results import Z975
from panelsem.spec import build_riclpm
from panelstudy.indirect import monte_carlo_interval, path_estimates
from panelstudy.recovery import simulate_panels
from panelstudy.seeds import derive_seed
from panelstudy.synthetic import latent_scores, population, process_names, response_pattern

TARGET = 0.8
RESULT_COLUMNS = ["n_per_arm", "replication", "seed", "converged", "parameter", "estimate", "se", "lower", "upper",
                  "detected"]


# --- the planned trial -------------------------------------------------------------


def sized(design: dict, n_per_arm: int) -> dict:
    return {**design, "synthetic": {**design["synthetic"], "n_per_arm": int(n_per_arm)}}


def n_total(design: dict, n_per_arm) -> np.ndarray:
    return np.asarray(n_per_arm) * len(design["data"]["arms"])


def spec_of(design: dict):
    return build_riclpm(dict(design["constructs"]), list(design["model"]["waves"]), lagged="invariant")


def simulate_scores(design: dict, seed: int) -> pd.DataFrame:
    """A trial of latent scores observed without measurement error, with the planned
    attrition: the wide panel of the modelled instruments (NaN where not observed)."""
    rng = np.random.default_rng(seed)
    syn = design["synthetic"]
    pop = population(design)
    n = syn["n_per_arm"] * len(design["data"]["arms"])
    latent = latent_scores(pop, design, n, rng)
    d = process_names(design).index(syn["missingness"]["driver"])
    driver = design["processes"][d]["instruments"][0]
    sd = np.sqrt(pop["intercepts"][d, d] + pop["within"][d, d])
    mean0, sd0 = syn["missingness"]["baseline"]
    responded = response_pattern(latent[driver], pop["means"][:, d], sd, (latent["baseline"] - mean0) / sd0, syn,
                                 rng)
    columns = {}
    for t, week in enumerate(design["model"]["waves"]):
        for p in design["processes"]:
            key = p["instruments"][0]
            columns[f"{key}_{week}"] = np.where(responded[:, t], latent[key][:, t], np.nan)
    return pd.DataFrame(columns)


def simulate_wide(design: dict, seed: int) -> pd.DataFrame:
    """A trial of the planned design as the analysis sees it (config power.simulate)."""
    if design["simulate"] == "items":
        return simulate_panels(design, seed)[0]
    return simulate_scores(design, seed)


def population_vector(design: dict, names: list[str], keys: list[tuple[str, str, str]]) -> np.ndarray:
    """The latent population as the RI-CLPM's parameters (FitResult.params order): what
    the model estimates from scores without measurement error. The generator's
    within-person parts start in equilibrium, so the first wave's (co)variances are the
    stationary ones and every later wave's innovations are the configured ones."""
    pop = population(design)
    shorts = list(design["constructs"])
    first = min(design["model"]["waves"])
    prefix = {v: k for k, v in design["constructs"].items()}
    wave_of = {f"{p}{w}": (k, w) for p, k in prefix.items() for w in design["model"]["waves"]}
    mean_at = {w: t for t, w in enumerate(design["model"]["waves"])}
    values = []
    for name, (lhs, op, rhs) in zip(names, keys):
        if op == "~":
            _, to, frm = name.split("_")
            values.append(pop["B"][shorts.index(to), shorts.index(frm)])
        elif op == "~1":
            k, w = wave_of[lhs]
            values.append(pop["means"][mean_at[w], shorts.index(k)])
        elif lhs.startswith("RI_"):
            values.append(pop["intercepts"][shorts.index(lhs[3:]), shorts.index(rhs[3:])])
        else:  # within-person (co)variances w_<short><wave>
            (a, wave), (b, _) = (within_part(v, shorts) for v in (lhs, rhs))
            source = pop["within"] if wave == first else pop["Q"]
            values.append(source[shorts.index(a), shorts.index(b)])
    return np.asarray(values, float)


def within_part(name: str, shorts: list[str]) -> tuple[str, int]:
    """w_D10 -> ("D", 10), for short names that may themselves contain digits."""
    body = name[2:]
    short = max((s for s in shorts if body.startswith(s) and body[len(s):].isdigit()), key=len)
    return short, int(body[len(short):])


# --- pseudo-true values and missing-data patterns ---------------------------------


def fit_large(data: pd.DataFrame, spec, start):
    # With standard errors, for their Newton polish: the gradient of -2 log L grows with
    # N, and L-BFGS-B alone stops short of the convergence criterion at this size.
    fit = fit_model(data, spec, start=start, fit_measures=False)
    if not fit.converged:
        raise RuntimeError(f"a fit to the large trial did not converge: {fit.diagnostics['attempts']}")
    return fit


def pseudo_true(design: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pseudo-true values of every parameter and their missing-data patterns, from
    one very large trial of the planned design (config power.pseudo_true), drawn as
    `batches` trials of n_per_arm / batches per arm (seeds from the design's seed and the
    batch index): a fit's memory grows with its rows, a batch's does not grow with their
    number.

    values: name, value (the mean of the batches' estimates: batch means, whose bias of
    order 1/N at N = 2 x 10,000 lies far below their Monte Carlo error), mcse (the SD
    of the batch estimates over sqrt(batches), valid whether or not the model is
    misspecified, unlike a fit's own SEs), population (the latent value).
    patterns: one row per pattern, 0/1 per observed variable, and the count of
    participants (those who gave nothing included).
    """
    n_per_arm, batches = design["pseudo_true"]["n_per_arm"], design["pseudo_true"]["batches"]
    spec = spec_of(design)
    matrices = Matrices(spec)
    population = population_vector(design, matrices.names, matrices.keys)
    estimates, masks = [], []
    for b in range(batches):
        frame = simulate_wide(sized(design, n_per_arm // batches),
                              derive_seed(design["seed"], "power", "pseudo-true", b))[spec.observed]
        estimates.append(fit_large(frame, spec, population).params)
        masks.append(frame.notna().astype(int))
    estimates = np.array(estimates)
    values = pd.DataFrame({
        "name": matrices.names,
        "value": estimates.mean(axis=0),
        "mcse": estimates.std(axis=0, ddof=1) / np.sqrt(batches),
        "population": population,
    })
    observed = pd.concat(masks, ignore_index=True)
    patterns = observed.value_counts(sort=False).rename("count").reset_index()
    patterns = patterns.sort_values(list(spec.observed), ascending=False, kind="stable").reset_index(drop=True)
    return values, patterns


# --- Monte Carlo replications -------------------------------------------------------


def replication_seed(design: dict, n_per_arm: int, replication: int) -> int:
    # By grid point and index only: results do not depend on how replications are scattered.
    return derive_seed(design["seed"], "power", int(n_per_arm), replication)


def critical_value(alpha: float) -> float:
    return float(ndtri(1 - alpha / 2))


def analyse_replication(design: dict, spec, start: np.ndarray, n_per_arm: int, replication: int) -> list[dict]:
    """One row per hypothesised effect: estimate, SE (lagged effects), interval at
    1 - alpha (Wald; Monte Carlo for an indirect effect) and whether it is a detection."""
    alpha, draws = design["alpha"], design["draws"]
    seed = replication_seed(design, n_per_arm, replication)
    fit = fit_model(simulate_wide(sized(design, n_per_arm), seed), spec, start=start, se=design["se"],
                    fit_measures=False)
    base = {"n_per_arm": int(n_per_arm), "replication": replication, "seed": seed, "converged": fit.converged}
    if not fit.converged:
        # Kept and flagged, so the summary counts it; no test from a fit that is not a maximum.
        return [{**base, "parameter": effect["name"]} for effect in design["effects"]]
    z = critical_value(alpha)
    rows = []
    for effect in design["effects"]:
        parameters, sign = effect["parameters"], effect["score_sign"]
        estimates = path_estimates(fit.estimates, parameters)
        vcov = fit.vcov.loc[parameters, parameters].to_numpy()
        if effect["kind"] == "path":
            est, se = float(estimates[0]), float(np.sqrt(vcov[0, 0]))
            lower, upper = est - z * se, est + z * se
        else:
            mc = monte_carlo_interval(estimates, vcov, draws, derive_seed(seed, "monte_carlo", effect["name"]),
                                      alpha=alpha)
            est, se, lower, upper = mc["estimate"], np.nan, mc["lower"], mc["upper"]
        rows.append({**base, "parameter": effect["name"], "estimate": est, "se": se, "lower": lower,
                     "upper": upper, "detected": bool(lower > 0 if sign > 0 else upper < 0)})
    return rows


def run_replications(design: dict, n_per_arm: int, indices: list[int], progress: bool = True) -> pd.DataFrame:
    """The replications `indices` of one grid point, each warm-started from the latent
    population's parameters: the same point for every replication, and no wait for the
    pseudo-true values."""
    spec = spec_of(design)
    matrices = Matrices(spec)
    start = population_vector(design, matrices.names, matrices.keys)
    rows = []
    for replication in tqdm(indices, desc=f"power n={n_per_arm}", disable=not progress, mininterval=5):
        rows.extend(analyse_replication(design, spec, start, n_per_arm, replication))
    # A scatter item can hold no replication when there are more items than replications.
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


# --- analytic power ------------------------------------------------------------------


def effect_values(effect: dict, values: pd.Series) -> float:
    return float(np.prod([values[p] for p in effect["parameters"]]))


def analytic(design: dict, truth: pd.DataFrame, patterns: pd.DataFrame) -> pd.DataFrame:
    """Per hypothesised effect: its pseudo-true and population values and its standard
    error per participant (SE at N participants = unit_se / sqrt(N)), from the expected
    information at the pseudo-true values over the patterns weighted by their shares."""
    spec = spec_of(design)
    weights = patterns["count"].to_numpy(float)
    info = expected_information(spec, truth["value"].to_numpy(), patterns[spec.observed].astype(bool),
                                weights / weights.sum())
    vcov = sampling_covariance(info, 1)
    value, latent = truth.set_index("name")["value"], truth.set_index("name")["population"]
    rows = []
    for effect in design["effects"]:
        parameters = effect["parameters"]
        v = vcov.loc[parameters, parameters].to_numpy()
        if effect["kind"] == "path":
            unit_se = float(np.sqrt(v[0, 0]))
        else:  # delta method: the gradient of a * b is (b, a)
            gradient = value[parameters].to_numpy()[::-1]
            unit_se = float(np.sqrt(gradient @ v @ gradient))
        rows.append({"parameter": effect["name"], "label": effect["label"], "kind": effect["kind"],
                     "score_sign": effect["score_sign"], "pseudo_true": effect_values(effect, value),
                     "population": effect_values(effect, latent), "unit_se": unit_se})
    return pd.DataFrame(rows)


def analytic_power(theta, unit_se, sign, n, alpha: float) -> np.ndarray:
    """P(a two-sided test at alpha rejects, estimate on the hypothesised side) for N = n."""
    return norm.cdf(sign * np.asarray(theta) * np.sqrt(n) / unit_se - critical_value(alpha))


def analytic_n(theta: float, unit_se: float, sign: int, alpha: float, target: float = TARGET) -> float:
    """The N (participants in all) at which analytic_power reaches `target`; inf when the
    pseudo-true value lies on the other side of 0 (or at 0)."""
    if sign * theta <= 0:
        return np.inf
    return float(((critical_value(alpha) + ndtri(target)) * unit_se / abs(theta)) ** 2)


# --- summary -------------------------------------------------------------------------


def wilson(power, replications) -> tuple[np.ndarray, np.ndarray]:
    """The 95% Wilson score interval of a share: unlike power +- 1.96 SE it does not
    shrink to a point where every replication (or none) detects the effect."""
    p, r = np.asarray(power, float), np.asarray(replications, float)
    centre = (p + Z975**2 / (2 * r)) / (1 + Z975**2 / r)
    half = Z975 * np.sqrt(p * (1 - p) / r + Z975**2 / (4 * r**2)) / (1 + Z975**2 / r)
    return centre - half, centre + half


def summarise(results: pd.DataFrame, design: dict, effects: pd.DataFrame) -> pd.DataFrame:
    """Per grid point and effect: convergence, Monte Carlo power with its Monte Carlo
    SE and 95% interval, bias, empirical SD, mean SE and interval coverage against the pseudo-true
    value, and the analytic SE and power; `effects` is analytic()."""
    alpha = design["alpha"]
    by_name = effects.set_index("parameter")
    rows = []
    for (n_per_arm, parameter), group in results.groupby(["n_per_arm", "parameter"], sort=True):
        effect = by_name.loc[parameter]
        ok = group[group["converged"]]
        true, r = effect["pseudo_true"], len(ok)
        est = ok["estimate"].to_numpy(float)
        power = float(ok["detected"].astype(bool).mean()) if r else np.nan
        covered = float(((ok["lower"] <= true) & (true <= ok["upper"])).mean()) if r else np.nan
        n = int(n_total(design, n_per_arm))
        rows.append({
            "n_per_arm": int(n_per_arm),
            "n": n,
            "parameter": parameter,
            "label": effect["label"],
            "kind": effect["kind"],
            "replications": len(group),
            "converged": r,
            "convergence": r / len(group),
            "power": power,
            "power_mcse": float(np.sqrt(power * (1 - power) / r)) if r else np.nan,
            "power_low": float(wilson(power, r)[0]) if r else np.nan,
            "power_high": float(wilson(power, r)[1]) if r else np.nan,
            "analytic_power": float(analytic_power(true, effect["unit_se"], effect["score_sign"], n, alpha)),
            "pseudo_true": true,
            "population": effect["population"],
            "mean_estimate": float(est.mean()) if r else np.nan,
            "bias": float(est.mean() - true) if r else np.nan,
            "empirical_sd": float(est.std(ddof=1)) if r > 1 else np.nan,
            "mean_se": float(ok["se"].mean()) if r else np.nan,
            "analytic_se": effect["unit_se"] / np.sqrt(n),
            "coverage": covered,
            "coverage_mcse": float(np.sqrt(covered * (1 - covered) / r)) if r else np.nan,
        })
    order = {name: i for i, name in enumerate(effects["parameter"])}
    out = pd.DataFrame(rows)
    out["_order"] = out["parameter"].map(order)
    return out.sort_values(["_order", "n_per_arm"], kind="stable").drop(columns="_order").reset_index(drop=True)


def crossing(n: np.ndarray, power: np.ndarray, target: float = TARGET) -> float:
    """The N where a power curve first reaches `target`, interpolated linearly in
    probit(power) against sqrt(N) (on which a Wald test's power is nearly linear)
    between the grid points around it; NaN below the target at every N, and the
    smallest N when already above it there (reported as "at most")."""
    n, power = np.asarray(n, float), np.clip(np.asarray(power, float), 1e-4, 1 - 1e-4)
    above = np.flatnonzero(power >= target)
    if not len(above):
        return np.nan
    i = above[0]
    if i == 0:
        return float(n[0])
    x0, x1 = np.sqrt(n[i - 1]), np.sqrt(n[i])
    y0, y1, y = ndtri(power[i - 1]), ndtri(power[i]), ndtri(target)
    return float((x0 + (x1 - x0) * (y - y0) / (y1 - y0)) ** 2)


def needed(summary: pd.DataFrame, effects: pd.DataFrame, design: dict, target: float = TARGET) -> pd.DataFrame:
    """Per effect, the participants per arm for `target` power: Monte Carlo (interpolated,
    with the N where the upper and lower ends of the pointwise 95% Monte Carlo interval
    (Wilson) reach the target as its uncertainty; NaN beyond the grid) and analytic."""
    arms = len(design["data"]["arms"])
    rows = []
    for _, effect in effects.iterrows():
        curve = summary[summary["parameter"] == effect["parameter"]].sort_values("n_per_arm")
        grid = curve["n_per_arm"].to_numpy(float)
        rows.append({
            "parameter": effect["parameter"],
            "label": effect["label"],
            "mc_n_per_arm": crossing(grid, curve["power"].to_numpy(float), target),
            "mc_low": crossing(grid, curve["power_high"].to_numpy(float), target),
            "mc_high": crossing(grid, curve["power_low"].to_numpy(float), target),
            "analytic_n_per_arm": analytic_n(effect["pseudo_true"], effect["unit_se"], effect["score_sign"],
                                             design["alpha"], target) / arms,
            "grid_min": grid[0],
            "grid_max": grid[-1],
        })
    return pd.DataFrame(rows)
