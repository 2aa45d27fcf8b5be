"""A synthetic trial with the ERiCA design, written in the documented input format.

Latent scores follow a population RI-CLPM on the scale of the scored instruments
(item mean for mean-scored instruments, domain total for QIDS). Items come from a
measurement model whose expected item (or domain) score equals the latent score, so
scored totals track the latent scores with realistic reliability. A skipped or
dropped-out week has no rows in any file; baseline (weeks before the first wave)
is always observed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from scipy.stats import norm

from panelsem.io import write_csv
from panelstudy.design import PROCESSES


# Settings proposed for the config's `synthetic:` section; the config wins when present.
DEFAULTS = {
    "therapist_intercept_correlation": 0.5,
    "item_offset_sd": 0.25,
    "secondary_item_share": 0.35,
    "missingness": {"item_missing_rate": 0.01},
}


def settings(config: dict) -> dict:
    given = config["synthetic"]
    merged = DEFAULTS | given
    merged["missingness"] = DEFAULTS["missingness"] | given.get("missingness", {})
    return merged


# --- population model --------------------------------------------------------------------


def covariance(sd, correlation) -> np.ndarray:
    sd = np.asarray(sd, float)
    return np.asarray(correlation, float) * np.outer(sd, sd)


def stationary_covariance(B: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Solve S = B S B' + Q so that the within-person parts start in equilibrium."""
    if np.max(np.abs(np.linalg.eigvals(B))) >= 1:
        raise ValueError("synthetic.lagged_effects is not stationary (an eigenvalue has modulus >= 1)")
    k = len(B)
    vec = np.linalg.solve(np.eye(k * k) - np.kron(B, B), Q.reshape(-1))
    return vec.reshape(k, k)


def population(config: dict) -> dict:
    syn = settings(config)
    B = np.asarray(syn["lagged_effects"], float)
    Q = covariance(syn["innovation_sd"], syn["innovation_correlation"])
    within = stationary_covariance(B, Q)
    intercepts = covariance(syn["intercept_sd"], syn["intercept_correlation"])
    waves = [int(w) for w in config["model"]["waves"]]
    share = (np.asarray(waves, float) - waves[0]) / max(waves[-1] - waves[0], 1)
    start, end = np.asarray(syn["mean_start"], float), np.asarray(syn["mean_end"], float)
    means = start[None, :] + share[:, None] * (end - start)[None, :]
    return {"B": B, "Q": Q, "within": within, "intercepts": intercepts, "waves": waves, "means": means}


def latent_scores(pop: dict, syn: dict, n: int, rng: np.random.Generator) -> dict:
    """Latent scores (participants x waves) per process, plus therapist alliance and baseline."""
    B, T = pop["B"], len(pop["waves"])
    intercept = rng.multivariate_normal(np.zeros(3), pop["intercepts"], size=n)
    w = np.empty((n, T + 1, 3))
    w[:, 0] = rng.multivariate_normal(np.zeros(3), pop["within"], size=n)
    for t in range(1, T + 1):
        w[:, t] = w[:, t - 1] @ B.T + rng.multivariate_normal(np.zeros(3), pop["Q"], size=n)
    scores = pop["means"][None] + intercept[:, None, :] + w[:, 1:]
    latent = {name: scores[:, :, k] for k, name in enumerate(PROCESSES)}
    latent["therapist"] = therapist_alliance(pop, syn, intercept[:, 0], w[:, :, 0], rng)
    total_var = pop["intercepts"][2, 2] + pop["within"][2, 2]
    mean0, sd0 = syn["baseline_depression"]
    latent["baseline"] = mean0 + sd0 * (intercept[:, 2] + w[:, 0, 2]) / np.sqrt(total_var)
    return latent


def therapist_alliance(pop, syn, patient_ri, patient_w, rng) -> np.ndarray:
    """Therapist-rated alliance: a mix of the patient's process and an independent AR(1)
    with the same variances, so the correlation with the patient's is as configured."""
    r_w, r_i = syn["therapist_alliance_correlation"], syn["therapist_intercept_correlation"]
    n, steps = patient_w.shape
    phi, var_w = pop["B"][0, 0], pop["within"][0, 0]
    own = np.empty((n, steps))
    own[:, 0] = rng.normal(0, np.sqrt(var_w), n)
    for t in range(1, steps):
        own[:, t] = phi * own[:, t - 1] + rng.normal(0, np.sqrt(var_w * (1 - phi**2)), n)
    own_ri = rng.normal(0, np.sqrt(pop["intercepts"][0, 0]), n)
    intercept = r_i * patient_ri + np.sqrt(1 - r_i**2) * own_ri
    within = r_w * patient_w[:, 1:] + np.sqrt(1 - r_w**2) * own[:, 1:]
    return pop["means"][None, :, 0] + intercept[:, None] + within


# --- measurement model -------------------------------------------------------------------


def error_sd(latent_sd: float, loading: float) -> float:
    """Item error SD that gives the item a standardised loading `loading` on the latent."""
    return latent_sd * np.sqrt(1 - loading**2) / loading


def calibrated_location(target: np.ndarray, low: int, high: int, sd: float) -> np.ndarray:
    """Location x with E[clip(round(x + e), low, high)] = target for e ~ N(0, sd),
    so that the expected integer response equals the latent score despite the bounds."""
    grid = np.linspace(low - 1 - 6 * sd, high + 1 + 6 * sd, 4001)
    thresholds = np.arange(low, high) + 0.5
    expected = low + norm.cdf((grid[:, None] - thresholds[None, :]) / sd).sum(axis=1)
    inside = np.clip(target, low + 0.01, high - 0.01)
    return np.interp(inside, expected, grid)


def integer_responses(target, low, high, sd, offsets, rng) -> np.ndarray:
    """Integer items (participants x waves x items) around a target expected score."""
    location = calibrated_location(target[..., None] + offsets, low, high, sd)
    noise = rng.normal(0, sd, size=location.shape)
    return np.clip(np.floor(location + noise + 0.5), low, high).astype(int)


def mean_items(target, spec, latent_sd, syn, rng) -> np.ndarray:
    offsets = rng.normal(0, syn["item_offset_sd"], len(spec["items"]))
    offsets -= offsets.mean()
    sd = error_sd(latent_sd, syn["item_loading"])
    return integer_responses(target, spec["item_min"], spec["item_max"], sd, offsets, rng)


def domain_items(target, spec, latent_sd, syn, rng) -> np.ndarray:
    """QIDS-style items: each domain's score (max item) tracks total / n_domains; within a
    multi-item domain a per-participant primary item carries the score and the others
    sit at or below it."""
    domains = spec["domains"]
    column = {item: j for j, item in enumerate(spec["items"])}
    n, T = target.shape
    sd = error_sd(latent_sd / len(domains), syn["item_loading"])
    scores = integer_responses(
        target / len(domains), spec["item_min"], spec["item_max"], sd, np.zeros(len(domains)), rng
    )
    items = np.full((n, T, len(spec["items"])), spec["item_min"], dtype=int)
    for d, members in enumerate(domains.values()):
        score = scores[:, :, d]
        primary = rng.integers(0, len(members), size=n)
        for m, item in enumerate(members):
            lower = spec["item_min"] + rng.binomial(score - spec["item_min"], syn["secondary_item_share"])
            items[:, :, column[item]] = np.where(primary[:, None] == m, score, lower)
    return items


def domain_total(items: np.ndarray, spec: dict) -> np.ndarray:
    """Sum over domains of the max item, prorated over domains with any item present."""
    column = {item: j for j, item in enumerate(spec["items"])}
    per_domain = np.stack(
        [np.fmax.reduce(items[..., [column[i] for i in members]], axis=-1) for members in spec["domains"].values()],
        axis=-1,
    )
    return np.nanmean(per_domain, axis=-1) * per_domain.shape[-1]


def item_maker(spec: dict):
    return domain_items if spec["score"] == "domains" else mean_items


def scored_total(items: np.ndarray, spec: dict) -> np.ndarray:
    if spec["score"] == "domains":
        return domain_total(items, spec)
    return np.nanmean(items, axis=-1)


# --- missingness -------------------------------------------------------------------------


def baseline_standard_score(baseline: np.ndarray, spec: dict, syn: dict) -> np.ndarray:
    """Standardised observed baseline depression; 0 where there is no baseline."""
    if baseline.shape[1] == 0:
        return np.zeros(len(baseline))
    mean, sd = syn["baseline_depression"]
    return np.nan_to_num((scored_total(baseline[:, :1], spec)[:, 0] - mean) / sd)


def response_pattern(observed_depression, expected, sd, baseline_z, syn, rng) -> np.ndarray:
    """Who responds each wave: dropout and skipped weeks whose logits rise with the last
    observed depression (standardised), so the data are missing at random."""
    miss = syn["missingness"]
    n, T = observed_depression.shape
    drop_draw, skip_draw = rng.random((n, T)), rng.random((n, T))
    active, last_z = np.ones(n, bool), baseline_z.copy()
    responded = np.zeros((n, T), bool)
    for t in range(T):
        shift = miss["depression_slope"] * last_z
        active &= drop_draw[:, t] >= expit(logit(miss["dropout_hazard"]) + shift)
        responded[:, t] = active & (skip_draw[:, t] >= expit(logit(miss["skip_probability"]) + shift))
        z = (observed_depression[:, t] - expected[t]) / sd
        last_z = np.where(responded[:, t] & ~np.isnan(z), z, last_z)
    return responded


# --- the trial ---------------------------------------------------------------------------


def instrument_keys(config: dict) -> dict[str, str]:
    model = config["model"]
    keys = {"alliance": model["alliance"][0], "regulation": model["regulation"], "depression": model["depression"]}
    if len(model["alliance"]) > 1:
        keys["therapist"] = model["alliance"][1]
    return keys


def simulate_trial(config: dict, seed: int) -> tuple[dict[str, pd.DataFrame], dict]:
    syn = settings(config)
    rng = np.random.default_rng(seed)
    pop = population(config)
    arms = list(config["data"]["arms"])
    n = syn["n_per_arm"] * len(arms)
    ids = np.array([f"P{i:0{len(str(n))}d}" for i in range(1, n + 1)])
    arm = rng.permutation(np.repeat(arms, syn["n_per_arm"]))

    latent = latent_scores(pop, syn, n, rng)
    latent_sd = np.sqrt(np.diag(pop["intercepts"]) + np.diag(pop["within"]))
    keys = instrument_keys(config)
    sd_of = {
        "alliance": latent_sd[0],
        "therapist": latent_sd[0],
        "regulation": latent_sd[1],
        "depression": latent_sd[2],
    }

    items = {}
    for process, key in keys.items():
        spec = config["instruments"][key]
        items[key] = item_maker(spec)(latent[process], spec, sd_of[process], syn, rng).astype(float)
    dep_spec = config["instruments"][keys["depression"]]
    baseline_weeks = [w for w in dep_spec["weeks"] if w < pop["waves"][0]]
    baseline = item_maker(dep_spec)(latent["baseline"][:, None], dep_spec, syn["baseline_depression"][1], syn, rng)
    baseline = np.repeat(baseline.astype(float), len(baseline_weeks), axis=1)

    rate = syn["missingness"]["item_missing_rate"]
    for key in items:
        items[key][rng.random(items[key].shape) < rate] = np.nan
    baseline[rng.random(baseline.shape) < rate] = np.nan

    observed = scored_total(items[keys["depression"]], dep_spec)
    baseline_z = baseline_standard_score(baseline, dep_spec, syn)
    responded = response_pattern(observed, pop["means"][:, 2], latent_sd[2], baseline_z, syn, rng)

    tables = {}
    for key in items:
        tables[key] = long_table(config, key, ids, arm, pop["waves"], items[key], responded)
    if baseline_weeks:
        always = np.ones((n, len(baseline_weeks)), bool)
        base = long_table(config, keys["depression"], ids, arm, baseline_weeks, baseline, always)
        names = config["data"]["columns"]
        tables[keys["depression"]] = (
            pd.concat([base, tables[keys["depression"]]])
            .sort_values([names["id"], names["week"]], kind="stable")
            .reset_index(drop=True)
        )
    ordered = {key: tables[key] for key in config["instruments"] if key in tables}
    return ordered, truth(config, seed, pop, syn, latent_sd)


def long_table(config, key, ids, arm, weeks, items, responded) -> pd.DataFrame:
    """Rows for responded participant-weeks that the instrument's schedule contains."""
    spec, names = config["instruments"][key], config["data"]["columns"]
    keep = [j for j, week in enumerate(weeks) if week in spec["weeks"]]
    person, wave = np.nonzero(responded[:, keep])
    wave = np.asarray(keep)[wave]
    frame = pd.DataFrame(
        {
            names["id"]: ids[person],
            names["arm"]: arm[person],
            names["week"]: np.asarray(weeks)[wave],
            names["rater"]: spec["rater"],
        }
    )
    for j, item in enumerate(spec["items"]):
        frame[item] = pd.array(items[person, wave, j], dtype="Int64")
    return frame


def truth(config, seed, pop, syn, latent_sd) -> dict:
    B = pop["B"]
    within_sd = np.sqrt(np.diag(pop["within"]))
    keys = instrument_keys(config)
    return {
        "seed": int(seed),
        "n_per_arm": int(syn["n_per_arm"]),
        "arms": list(config["data"]["arms"]),
        "waves": pop["waves"],
        "processes": list(PROCESSES),
        "instruments": keys,
        "scale": "latent scores are on the scored scale (item mean; QIDS domain total)",
        "lagged_effects": B,
        "standardized_lagged_effects": B * within_sd[None, :] / within_sd[:, None],
        "indirect_effect": {
            "path": "alliance(t) -> regulation(t+1) -> depression(t+2)",
            "value": B[1, 0] * B[2, 1],
        },
        "innovation_cov": pop["Q"],
        "within_stationary_cov": pop["within"],
        "within_stationary_sd": within_sd,
        "intercept_cov": pop["intercepts"],
        "intercept_sd": np.sqrt(np.diag(pop["intercepts"])),
        "intercept_correlation": np.asarray(syn["intercept_correlation"], float),
        "latent_total_sd": latent_sd,
        "means": {process: pop["means"][:, k] for k, process in enumerate(PROCESSES)},
        "therapist_alliance": {
            "within_correlation": syn["therapist_alliance_correlation"],
            "intercept_correlation": syn["therapist_intercept_correlation"],
            "note": "same means and variances as patient alliance; its lagged effect on "
            "depression is diluted by the independent part, not a free population parameter",
        },
        "baseline_depression": {"mean": syn["baseline_depression"][0], "sd": syn["baseline_depression"][1]},
        "item_loading": syn["item_loading"],
        "missingness": syn["missingness"],
        "note": "scored totals carry measurement error, which an RI-CLPM without residual "
        "variances absorbs into the within-person parts: expect attenuated autoregressions.",
    }


def to_json(value):
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, (float, np.floating)):
        return round(float(value), 10)
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_trial(tables: dict[str, pd.DataFrame], truth: dict, paths: dict[str, str], truth_path) -> None:
    """Write one CSV per instrument to paths[key] (missing items as empty cells) and the truth JSON."""
    unwritten = sorted(set(paths) - set(tables))
    if unwritten:
        raise ValueError(f"the synthetic trial has no data for instruments {unwritten}")
    for key, frame in tables.items():
        Path(paths[key]).parent.mkdir(parents=True, exist_ok=True)
        write_csv(frame, paths[key])
    Path(truth_path).parent.mkdir(parents=True, exist_ok=True)
    Path(truth_path).write_text(json.dumps(to_json(truth), indent=2, sort_keys=True) + "\n", encoding="utf-8")
