"""A synthetic trial of the configured design, written in the documented input format.

The functions take the simulation design (panelstudy.params.simulation: the config's
sections as the generator reads them, arms by name).

Latent scores follow a population RI-CLPM of the configured processes, on the scale of
each process's first instrument (the item mean of a mean-scored instrument, the item
sum of a sum-scored one, the domain total of a domain-scored one). Items come from a
measurement model whose expected item (or domain) score equals the latent score, so
scored totals track the latent scores with realistic reliability; reverse-keyed items
are written reversed, as a respondent would answer them. A process's further
instruments (a second rater) mix the first one's latent process with an independent
one of the same variances. Auxiliary instruments (measuring no process) get items of
an independent person-level score around their scale's midpoint.

A skipped or dropped-out week has no rows in any file; the driver process's weeks
before the first wave (baseline) are always observed; an instrument not given in an
arm has no rows for that arm's participants.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from scipy.stats import norm

from panelsem.io import write_csv


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
    syn = config["synthetic"]
    B = np.asarray(syn["lagged_effects"], float)
    Q = covariance(syn["innovation_sd"], syn["innovation_correlation"])
    within = stationary_covariance(B, Q)
    intercepts = covariance(syn["intercept_sd"], syn["intercept_correlation"])
    waves = [int(w) for w in config["model"]["waves"]]
    share = (np.asarray(waves, float) - waves[0]) / max(waves[-1] - waves[0], 1)
    start, end = np.asarray(syn["mean_start"], float), np.asarray(syn["mean_end"], float)
    means = start[None, :] + share[:, None] * (end - start)[None, :]
    return {"B": B, "Q": Q, "within": within, "intercepts": intercepts, "waves": waves, "means": means}


def process_names(config: dict) -> list[str]:
    return [p["name"] for p in config["processes"]]


def latent_scores(pop: dict, config: dict, n: int, rng: np.random.Generator) -> dict:
    """Latent scores (participants x waves) of every modelled instrument, and the
    driver's baseline (participants)."""
    syn, names = config["synthetic"], process_names(config)
    B, T, k = pop["B"], len(pop["waves"]), len(names)
    intercept = rng.multivariate_normal(np.zeros(k), pop["intercepts"], size=n)
    w = np.empty((n, T + 1, k))
    w[:, 0] = rng.multivariate_normal(np.zeros(k), pop["within"], size=n)
    for t in range(1, T + 1):
        w[:, t] = w[:, t - 1] @ B.T + rng.multivariate_normal(np.zeros(k), pop["Q"], size=n)
    scores = pop["means"][None] + intercept[:, None, :] + w[:, 1:]
    latent = {p["instruments"][0]: scores[:, :, j] for j, p in enumerate(config["processes"])}
    for j, p in enumerate(config["processes"]):
        for key in p["instruments"][1:]:
            latent[key] = other_instrument(pop, syn["other_instruments"], j, intercept[:, j], w[:, :, j], rng)
    d = names.index(syn["missingness"]["driver"])
    total_var = pop["intercepts"][d, d] + pop["within"][d, d]
    mean0, sd0 = syn["missingness"]["baseline"]
    latent["baseline"] = mean0 + sd0 * (intercept[:, d] + w[:, 0, d]) / np.sqrt(total_var)
    return latent


def other_instrument(pop, other, j, first_ri, first_w, rng) -> np.ndarray:
    """A process's further instrument (a second rater): a mix of the first instrument's
    process and an independent AR(1) with the same variances, so the correlation with
    the first is as configured."""
    r_w, r_i = other["within_correlation"], other["intercept_correlation"]
    n, steps = first_w.shape
    phi, var_w = pop["B"][j, j], pop["within"][j, j]
    own = np.empty((n, steps))
    own[:, 0] = rng.normal(0, np.sqrt(var_w), n)
    for t in range(1, steps):
        own[:, t] = phi * own[:, t - 1] + rng.normal(0, np.sqrt(var_w * (1 - phi**2)), n)
    own_ri = rng.normal(0, np.sqrt(pop["intercepts"][j, j]), n)
    intercept = r_i * first_ri + np.sqrt(1 - r_i**2) * own_ri
    within = r_w * first_w[:, 1:] + np.sqrt(1 - r_w**2) * own[:, 1:]
    return pop["means"][None, :, j] + intercept[:, None] + within


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


def sum_items(target, spec, latent_sd, syn, rng) -> np.ndarray:
    """Items of a sum-scored instrument: each item tracks total / number of items."""
    k = len(spec["items"])
    return mean_items(target / k, spec, latent_sd / k, syn, rng)


def item_maker(spec: dict):
    return {"domains": domain_items, "sum": sum_items, "mean": mean_items}[spec["score"]]


def scored_total(items: np.ndarray, spec: dict) -> np.ndarray:
    if spec["score"] == "domains":
        return domain_total(items, spec)
    if spec["score"] == "sum":
        return np.nanmean(items, axis=-1) * items.shape[-1]
    return np.nanmean(items, axis=-1)


def as_answered(items: np.ndarray, spec: dict) -> np.ndarray:
    """Reverse-keyed items as a respondent writes them (scoring turns them back)."""
    out = items.copy()
    for item in spec["reverse"]:
        j = spec["items"].index(item)
        out[..., j] = spec["item_min"] + spec["item_max"] - out[..., j]
    return out


# --- missingness -------------------------------------------------------------------------


def baseline_standard_score(baseline: np.ndarray, spec: dict, syn: dict) -> np.ndarray:
    """Standardised observed baseline of the driver; 0 where there is no baseline."""
    if baseline.shape[1] == 0:
        return np.zeros(len(baseline))
    mean, sd = syn["missingness"]["baseline"]
    return np.nan_to_num((scored_total(baseline[:, :1], spec)[:, 0] - mean) / sd)


def response_pattern(observed_driver, expected, sd, baseline_z, syn, rng) -> np.ndarray:
    """Who responds each wave: dropout and skipped weeks whose logits rise with the last
    observed score of the driver (standardised), so the data are missing at random."""
    miss = syn["missingness"]
    n, T = observed_driver.shape
    drop_draw, skip_draw = rng.random((n, T)), rng.random((n, T))
    active, last_z = np.ones(n, bool), baseline_z.copy()
    responded = np.zeros((n, T), bool)
    for t in range(T):
        shift = miss["slope"] * last_z
        active &= drop_draw[:, t] >= expit(logit(miss["dropout_hazard"]) + shift)
        responded[:, t] = active & (skip_draw[:, t] >= expit(logit(miss["skip_probability"]) + shift))
        z = (observed_driver[:, t] - expected[t]) / sd
        last_z = np.where(responded[:, t] & ~np.isnan(z), z, last_z)
    return responded


def auxiliary_items(spec: dict, n: int, steps: int, syn: dict, rng) -> np.ndarray:
    """Items of an instrument that measures no process: a person-level score plus weekly
    noise around the scale's midpoint, each with a sixth of the item range as SD."""
    mid, sd = (spec["item_min"] + spec["item_max"]) / 2, (spec["item_max"] - spec["item_min"]) / 6
    per_item = mid + sd * (rng.normal(size=(n, 1)) + rng.normal(size=(n, steps)))
    scale = {"mean": 1, "sum": len(spec["items"]), "domains": len(spec.get("domains", {}))}[spec["score"]]
    return item_maker(spec)(per_item * scale, spec, np.sqrt(2) * sd * scale, syn, rng).astype(float)


# --- the trial ---------------------------------------------------------------------------


def simulate_trial(config: dict, seed: int) -> tuple[dict[str, pd.DataFrame], dict]:
    """One CSV table per instrument (as the raw files), and the population's truth."""
    syn = config["synthetic"]
    rng = np.random.default_rng(seed)
    pop = population(config)
    arms = list(config["data"]["arms"])
    n = syn["n_per_arm"] * len(arms)
    ids = np.array([f"P{i:0{len(str(n))}d}" for i in range(1, n + 1)])
    arm = rng.permutation(np.repeat(arms, syn["n_per_arm"]))

    names = process_names(config)
    latent = latent_scores(pop, config, n, rng)
    latent_sd = np.sqrt(np.diag(pop["intercepts"]) + np.diag(pop["within"]))
    sd_of = {key: latent_sd[j] for j, p in enumerate(config["processes"]) for key in p["instruments"]}
    # First instruments in process order, then the further ones: the order of the draws.
    modelled = [p["instruments"][0] for p in config["processes"]]
    modelled += [key for p in config["processes"] for key in p["instruments"][1:]]

    items = {}
    for key in modelled:
        spec = config["instruments"][key]
        items[key] = item_maker(spec)(latent[key], spec, sd_of[key], syn, rng).astype(float)
    d = names.index(syn["missingness"]["driver"])
    driver = config["processes"][d]["instruments"][0]
    dep_spec = config["instruments"][driver]
    baseline_weeks = [w for w in dep_spec["weeks"] if w < pop["waves"][0]]
    baseline = item_maker(dep_spec)(latent["baseline"][:, None], dep_spec, syn["missingness"]["baseline"][1], syn,
                                    rng)
    baseline = np.repeat(baseline.astype(float), len(baseline_weeks), axis=1)

    rate = syn["missingness"]["item_missing_rate"]
    for key in items:
        items[key][rng.random(items[key].shape) < rate] = np.nan
    baseline[rng.random(baseline.shape) < rate] = np.nan

    observed = scored_total(items[driver], dep_spec)
    baseline_z = baseline_standard_score(baseline, dep_spec, syn)
    responded = response_pattern(observed, pop["means"][:, d], latent_sd[d], baseline_z, syn, rng)

    # Auxiliary instruments last, so that adding one leaves the modelled data as they were.
    modelled_keys = set(modelled)
    for key, spec in config["instruments"].items():
        if key not in modelled_keys:
            items[key] = auxiliary_items(spec, n, len(pop["waves"]), syn, rng)
            items[key][rng.random(items[key].shape) < rate] = np.nan

    tables = {key: long_table(config, key, ids, arm, pop["waves"], as_answered(values, config["instruments"][key]),
                              responded)
              for key, values in items.items()}
    if baseline_weeks:
        always = np.ones((n, len(baseline_weeks)), bool)
        base = long_table(config, driver, ids, arm, baseline_weeks, as_answered(baseline, dep_spec), always)
        columns = config["data"]["columns"]
        tables[driver] = (
            pd.concat([base, tables[driver]])
            .sort_values([columns["id"], columns["week"]], kind="stable")
            .reset_index(drop=True)
        )
    ordered = {key: tables[key] for key in config["instruments"]}
    return ordered, truth(config, seed, pop, latent_sd)


def long_table(config, key, ids, arm, weeks, items, responded) -> pd.DataFrame:
    """Rows for responded participant-weeks that the instrument's schedule contains, in
    the arms where it is given."""
    spec, names = config["instruments"][key], config["data"]["columns"]
    keep = [j for j, week in enumerate(weeks) if week in spec["weeks"]]
    given = np.isin(arm, spec.get("arms", config["data"]["arms"]))
    person, wave = np.nonzero(responded[:, keep] & given[:, None])
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
    # Export columns that no instrument reads (data.ignore_columns), as an export has them.
    for column in config["data"].get("ignore_columns", []):
        frame[column] = "exported"
    return frame


def truth(config, seed, pop, latent_sd) -> dict:
    """The population's parameters: B[i][j], the effect of process j at t-1 on process i
    at t, on the scales of the processes' first instruments."""
    syn, names = config["synthetic"], process_names(config)
    B = pop["B"]
    within_sd = np.sqrt(np.diag(pop["within"]))
    return {
        "seed": int(seed),
        "n_per_arm": int(syn["n_per_arm"]),
        "arms": list(config["data"]["arms"]),
        "waves": pop["waves"],
        "processes": names,
        "instruments": {p["name"]: p["instruments"][0] for p in config["processes"]},
        "scale": "latent scores are on the scored scale of each process's first instrument",
        "lagged_effects": B,
        "standardized_lagged_effects": B * within_sd[None, :] / within_sd[:, None],
        "innovation_cov": pop["Q"],
        "within_stationary_cov": pop["within"],
        "within_stationary_sd": within_sd,
        "intercept_cov": pop["intercepts"],
        "intercept_sd": np.sqrt(np.diag(pop["intercepts"])),
        "intercept_correlation": np.asarray(syn["intercept_correlation"], float),
        "latent_total_sd": latent_sd,
        "means": {name: pop["means"][:, k] for k, name in enumerate(names)},
        "other_instruments": {
            **syn["other_instruments"],
            "note": "same means and variances as the process's first instrument; their lagged effects are "
            "diluted by the independent part, not free population parameters",
        },
        "item_loading": syn["item_loading"],
        "missingness": syn["missingness"],
        "note": "scored totals carry measurement error, which an RI-CLPM without residual "
        "variances absorbs into the within-person parts: it converges to attenuated values, the "
        "pseudo-true values (rule pseudo_true, in truth.json beside these).",
    }


def to_json(value):
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else round(float(value), 10)
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_json(record: dict, path) -> None:
    """A record of true values as JSON (NaN as null), the same bytes for the same values."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(to_json(record), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_trial(tables: dict[str, pd.DataFrame], truth: dict, paths: dict[str, str], truth_path) -> None:
    """Write one CSV per instrument to paths[key] (missing items as empty cells) and the
    population's parameters as JSON."""
    unwritten = sorted(set(paths) - set(tables))
    if unwritten:
        raise ValueError(f"the synthetic trial has no data for instruments {unwritten}")
    for key, frame in tables.items():
        Path(paths[key]).parent.mkdir(parents=True, exist_ok=True)
        write_csv(frame, paths[key])
    write_json(truth, truth_path)
