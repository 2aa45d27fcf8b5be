"""Indirect effects X(t) -> M(t+1) -> Y(t+2), and their intervals.

With lagged effects held equal over time an indirect effect is the product of two
lagged effects, b_M_X * b_Y_M (alliance -> regulation -> depression in the default
trial: b_E_A * b_D_E). Its sampling distribution is skewed, so a Wald interval is a
poor guide. Two intervals are computed:

- Monte Carlo (Selig & Preacher, 2008): draws of the two paths from their joint
  normal sampling distribution (estimates and covariance from the observed
  information), the product of each draw, and its 2.5th and 97.5th percentiles;
- a nonparametric bootstrap that resamples participants (rows of the wide panel)
  with replacement and refits the model, with percentile limits.
"""

import numpy as np
import pandas as pd
from tqdm import tqdm

from panelsem.refit import Refitter
from panelsem.results import FitResult
from panelsem.spec import ModelSpec

# Point estimates of a replicate need less precision than a reported fit (see fit_model).
REPLICATE_GRAD_TOL = 1e-2


def path_estimates(estimates: pd.DataFrame, labels) -> np.ndarray:
    by_label = estimates.dropna(subset=["label"]).drop_duplicates("label").set_index("label")["est"]
    missing = [label for label in labels if label not in by_label.index]
    if missing:
        raise ValueError(f"the model has no parameters labelled {missing}; the indirect effect needs time-invariant lags")
    return by_label.loc[list(labels)].to_numpy(dtype=float)


def monte_carlo_interval(estimate: np.ndarray, covariance: np.ndarray, draws: int, seed: int,
                         alpha: float = 0.05) -> dict:
    """Selig & Preacher's Monte Carlo interval (level 1 - alpha) of the product of two paths."""
    rng = np.random.default_rng(seed)
    paths = rng.multivariate_normal(estimate, covariance, size=draws, method="cholesky")
    product = paths[:, 0] * paths[:, 1]
    return {
        "estimate": float(estimate[0] * estimate[1]),
        "lower": float(np.quantile(product, alpha / 2)),
        "upper": float(np.quantile(product, 1 - alpha / 2)),
        "draws": draws,
    }


def resample_rows(n: int, seed: int) -> np.ndarray:
    """Row numbers of a resample of n participants, drawn with replacement."""
    return np.random.default_rng(seed).integers(0, n, n)


def resample(wide: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Participants drawn with replacement: the unit of sampling is the person."""
    return wide.iloc[resample_rows(len(wide), seed)].reset_index(drop=True)


def bootstrap_replicates(wide: pd.DataFrame, spec: ModelSpec, start: FitResult, seeds: dict[int, int],
                         labels: list[str], progress: bool = True) -> pd.DataFrame:
    """Refit the model on one resample per replicate; seeds maps replicate index to seed.

    Each refit is warm-started from the full-sample fit (see panelsem.Refitter:
    a few quasi-Newton steps, else fit_model on the resample). A replicate that
    does not converge is kept and flagged, so the summary can count it.
    frame.attrs["fallbacks"] counts the replicates that needed fit_model.
    """
    columns = ["replicate", "seed", "converged", *labels]
    if not seeds:  # a scatter item without replicates, or no indirect effect declared
        return pd.DataFrame([], columns=columns)
    refitter = Refitter(wide, spec, start, grad_tol=REPLICATE_GRAD_TOL)
    index = {name: i for i, name in enumerate(refitter.names)}
    missing = [label for label in labels if label not in index]
    if missing:
        raise ValueError(f"the model has no parameters labelled {missing}; the indirect effect needs time-invariant lags")
    ids = [index[label] for label in labels]
    rows, fallbacks = [], 0
    for replicate, seed in tqdm(seeds.items(), desc="bootstrap", disable=not progress, mininterval=2):
        x, converged, fast = refitter.refit(resample_rows(len(wide), seed))
        fallbacks += not fast
        rows.append({"replicate": replicate, "seed": seed, "converged": converged,
                     **{label: float(x[i]) for label, i in zip(labels, ids)}})
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["fallbacks"] = fallbacks
    return frame


def product(replicates: pd.DataFrame, parameters) -> pd.Series:
    """Each replicate's indirect effect: the product of its two paths."""
    first, second = parameters
    return replicates[first] * replicates[second]


def bootstrap_interval(values: pd.Series, converged: pd.Series) -> dict:
    """Percentile interval over converged replicates; the others are counted, not hidden."""
    ok = values[converged.astype(bool)]
    if ok.empty:
        raise ValueError("no bootstrap replicate converged")
    return {
        "lower": float(np.quantile(ok, 0.025)),
        "upper": float(np.quantile(ok, 0.975)),
        "replicates": len(values),
        "not_converged": int((~converged.astype(bool)).sum()),
    }


def bootstrap_p(values: pd.Series) -> float:
    """Two-sided bootstrap p-value: twice the share of replicates on the far side of 0."""
    return min(1.0, 2 * min((values <= 0).mean(), (values >= 0).mean()))
