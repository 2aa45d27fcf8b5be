"""Pseudo-true values: what the analysis converges to under the synthetic generator.

The generator defines its population on latent weekly scores and then writes items,
which are scored (means, maxima of domains, clipped at the scale's ends) and so carry
measurement error. The RI-CLPM fitted to the scores has no residual variances: it
absorbs the error into the within-person parts and converges, as N grows, not to the
latent lagged effects but to attenuated ones, its pseudo-true values. A recovery study
that checks the estimator compares with these; one that shows the cost of measurement
error compares with the latent values. The scored moments have no closed form, so the
pseudo-true values are estimated: the analysis model is fitted to one very large
synthetic trial of the same design, scoring and missingness.

Monte Carlo precision: the large trial is drawn as `batches` independent trials of
n_per_arm / batches participants per arm (seeds derived from `seed` and the batch
index). The estimate is the fit to all of them together; its Monte Carlo standard
error is the standard deviation of the batch estimates over sqrt(batches) (batch
means: valid whether or not the model is misspecified, unlike the model's own
standard errors).

Complete data: the same batches drawn with no dropout, no skipped week and no missing
item (the same random draws otherwise, so the comparison is paired). Under
misspecification FIML's limit under MAR dropout need not be the complete-data one; the
difference is given with its own (paired) Monte Carlo standard error.

The multiple-indicator model (panelsem.indicators) is fitted to item parcels. Its
FIML fit to 90 indicators at this N with the design's missing-data patterns would cost
minutes, so only its complete-data limit is computed; for a model that describes the
data correctly FIML has the same limit under MAR.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from panelsem.fit import fit_model
from panelsem.indicators import build_mi_riclpm, fit_mi_riclpm
from panelsem.spec import build_riclpm
from panelstudy.design import INDICATORS, OBSERVED, column_prefix
from panelstudy.parcels import model_indicators
from panelstudy.recovery import chain_name, lagged_labels, population_values, simulate_panels
from panelstudy.seeds import derive_seed

COLUMNS = ["model", "analysis", "parameter", "latent", "pseudo_true", "pseudo_true_mcse", "complete_data",
           "complete_data_mcse", "difference", "difference_mcse", "n", "batches"]


def without_missingness(design: dict) -> dict:
    """The design with no dropout, no skipped weeks and no missing items; every random
    draw is made as before, so the trial is the same one, complete."""
    out = copy.deepcopy(design)
    out["synthetic"]["missingness"].update(dropout_hazard=0.0, skip_probability=0.0, item_missing_rate=0.0)
    return out


def is_primary(constructs: dict[str, str], design: dict) -> bool:
    """Whether a model measures each process with its first instrument: the one the
    population is defined for, so that its latent values are known."""
    firsts = [column_prefix(p["instruments"][0]) for p in design["processes"]]
    return list(constructs.values()) == firsts


def parameters_of(fit, labels: list[str], chains: list[list[str]]) -> dict[str, float]:
    values = dict(zip(fit.param_names, fit.params))
    out = {label: float(values[label]) for label in labels}
    out.update({chain_name(c): float(np.prod([values[p] for p in c])) for c in chains})
    return out


def moment_data(frame: pd.DataFrame, columns: list[str], rows: int) -> pd.DataFrame:
    """`rows` rows whose mean and (divisor-n) covariance are exactly those of the
    complete data `frame`: with nothing missing the likelihood depends on the data
    only through these, so the fit to them is the fit to the data, without holding
    every row's cross-products in memory (FIML keeps them per pattern)."""
    y = frame[columns].to_numpy(float)
    mean = y.mean(axis=0)
    cov = np.cov(y, rowvar=False, bias=True)
    z = np.random.default_rng(0).standard_normal((rows, len(columns)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / rows)).T
    return pd.DataFrame(mean + z @ np.linalg.cholesky(cov).T, columns=columns)


def estimates(frames: list[pd.DataFrame], make_spec, fit, labels, chains, complete: bool):
    """The estimates of the fit to all batches together, and those of each batch (warm
    started from the pooled fit). Complete data are fitted through their moments."""
    spec = make_spec()
    pooled = pd.concat(frames, ignore_index=True)
    if complete:
        rows = 2 * len(spec.observed)
        pooled = moment_data(pooled, spec.observed, rows)
        frames = [moment_data(frame, spec.observed, rows) for frame in frames]
    pooled_fit = fit(pooled, spec, None)
    batch_fits = [fit(frame, spec, pooled_fit) for frame in frames]
    failed = [b for b, f in enumerate(batch_fits) if not f.converged]
    if not pooled_fit.converged or failed:
        raise RuntimeError(f"fits to the large trial did not converge (pooled: {pooled_fit.converged}; batches "
                           f"{failed})")
    per_batch = pd.DataFrame([parameters_of(f, labels, chains) for f in batch_fits])
    return parameters_of(pooled_fit, labels, chains), per_batch


# With standard errors, for their Newton polish: the gradient of -2 log L grows with N,
# and L-BFGS-B alone stops short of the convergence criterion at this size.
def observed_fit(data, spec, start):
    return fit_model(data, spec, start=start, fit_measures=False)


def indicator_fit(data, spec, start):
    return fit_mi_riclpm(data, spec, start=start)


def pseudo_true_values(design: dict, n_per_arm: int, seed: int, batches: int = 10, models: dict | None = None,
                       indicators: bool = False) -> pd.DataFrame:
    """Pseudo-true values of every lagged effect and declared indirect effect.

    design: the synthetic trial and its analysis, as panelstudy.params.recovery(config)
    or params.pseudo_true(config) give it: the generator's sections, the instruments
    with their scoring rules (and parcels, for the multiple-indicator model), shorts,
    constructs, chains. n_per_arm: participants per arm of the large trial, drawn as
    `batches` trials of n_per_arm // batches per arm. models: model id -> constructs
    (short name -> score column prefix); default the design's constructs, as
    "primary". indicators: also the multiple-indicator model, of the models whose
    latent values are known (each process measured by its first instrument), on
    complete data only (see the module docstring).

    One row per model, analysis and parameter: latent (the population value; NaN for
    a model with a further instrument, for which the generator has no parameters),
    pseudo_true and its Monte Carlo SE, complete_data and its SE, difference
    (pseudo_true - complete_data) and its paired SE, n (participants of the large
    trial) and batches.
    """
    if batches < 2 or n_per_arm // batches < 1:
        raise ValueError(f"need at least 2 batches of at least one participant per arm (n_per_arm = {n_per_arm}, "
                         f"batches = {batches})")
    models = {"primary": design["constructs"]} if models is None else models
    waves = list(design["model"]["waves"])
    labels = lagged_labels(list(design["shorts"]))
    chains = [list(c["parameters"]) for c in design["chains"]]
    latent = population_values(np.asarray(design["synthetic"]["lagged_effects"], float), list(design["shorts"]),
                               design["chains"])
    per_batch = {**design, "synthetic": {**design["synthetic"], "n_per_arm": n_per_arm // batches}}
    seeds = [derive_seed(seed, "batch", b) for b in range(batches)]
    # Parcels for the complete data only: the multiple-indicator model is fitted to nothing else.
    draws = {kind: [simulate_panels(d, s, parcels=indicators and kind == "complete") for s in seeds]
             for kind, d in (("missing", per_batch), ("complete", without_missingness(per_batch)))}
    n = len(seeds) * len(draws["missing"][0][0])

    rows = []
    for model, constructs in models.items():
        known = is_primary(constructs, design)
        analyses = [(OBSERVED, lambda c=constructs: build_riclpm(dict(c), waves), observed_fit, 0,
                     ("missing", "complete"))]
        mine = model_indicators(constructs, design["instruments"]) if indicators and known else None
        if mine is not None:
            analyses.append((INDICATORS, lambda m=mine: build_mi_riclpm(m, waves), indicator_fit, 1, ("complete",)))
        for analysis, make_spec, fit, part, kinds in analyses:
            found = {kind: estimates([panels[part] for panels in draws[kind]], make_spec, fit, labels, chains,
                                     complete=kind == "complete")
                     for kind in kinds}
            for parameter in [*labels, *map(chain_name, chains)]:
                row = {"model": model, "analysis": analysis, "parameter": parameter,
                       "latent": latent[parameter] if known else np.nan, "n": n, "batches": batches}
                for kind, column in (("missing", "pseudo_true"), ("complete", "complete_data")):
                    pooled, spread = found.get(kind, ({parameter: np.nan}, pd.DataFrame({parameter: [np.nan]})))
                    row[column], row[f"{column}_mcse"] = pooled[parameter], mcse(spread[parameter])
                paired = (found["missing"][1][parameter] - found["complete"][1][parameter]
                          if "missing" in found else pd.Series([np.nan]))
                row["difference"], row["difference_mcse"] = row["pseudo_true"] - row["complete_data"], mcse(paired)
                rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def mcse(batch_estimates: pd.Series) -> float:
    """Monte Carlo standard error of the pooled estimate, by batch means."""
    values = batch_estimates.to_numpy(float)
    return float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else np.nan


def with_pseudo_true(population: dict, values: pd.DataFrame) -> dict:
    """The population's parameters (panelstudy.synthetic.truth) with the pseudo-true
    values beside the latent ones: pseudo_true.models[model][analysis][parameter]."""
    models: dict = {}
    for (model, analysis), rows in values.groupby(["model", "analysis"], sort=False):
        models.setdefault(model, {})[analysis] = {
            row["parameter"]: {column: row[column] for column in COLUMNS[3:10]} for _, row in rows.iterrows()}
    return {**population, "pseudo_true": {
        "what": "the values the analysis converges to under the generator: each model fitted to one large "
                "synthetic trial of this design, scoring and missingness (pseudo_true), and to the same trial "
                "with nothing missing (complete_data); latent: the population value (null for a model with a "
                "further instrument); *_mcse: Monte Carlo standard errors by batch means",
        "n": int(values["n"].iloc[0]),
        "batches": int(values["batches"].iloc[0]),
        "models": models,
    }}
