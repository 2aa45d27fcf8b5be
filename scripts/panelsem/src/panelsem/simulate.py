"""Wide RI-CLPM panel data with missingness, for tests, benchmarks and examples.

It draws construct scores directly from an RI-CLPM,
x_kt = mu_kt + RI_k + w_kt with w_t = B w_(t-1) + z_t, and then deletes cells by
dropout (a per-wave hazard, monotone) and intermittent skips (cell-level).
Columns are named prefix + wave, e.g. x_1 .. x_10.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.linalg import solve_discrete_lyapunov

DEFAULT_CONSTRUCTS = {"A": "a_", "E": "e_", "D": "d_"}
# Rows: outcome; columns: predictor at the previous wave (standardised units).
DEFAULT_B = np.array([[0.30, 0.05, -0.05], [0.15, 0.25, -0.05], [-0.12, -0.15, 0.30]])
# By construct position: within-person SD, wave-1 grand mean, change of the mean per wave.
SCALE = (0.8, 0.6, 4.0)
START = (4.0, 2.0, 15.0)
TREND = (0.05, 0.05, -0.6)


def simulate_wide(
    n: int = 272,
    waves: int = 10,
    constructs: dict[str, str] | None = None,
    seed: int = 1,
    dropout: float = 0.012,
    skip: float = 0.10,
    ri_sd: float = 0.8,
    ri_corr: float = 0.4,
    b: np.ndarray | None = None,
) -> pd.DataFrame:
    """Wide data frame with columns prefix + wave; NaN marks a missing cell.

    dropout: probability per wave (from wave 2) of leaving for good; skip:
    probability that any remaining cell is missing. With the defaults about 15%
    of cells are missing and almost every row has its own pattern. b: the lagged
    effects (default: DEFAULT_B for up to 3 constructs, 0.3 I beyond).
    """
    constructs = dict(DEFAULT_CONSTRUCTS if constructs is None else constructs)
    ks = list(constructs)
    k = len(ks)
    rng = np.random.default_rng(seed)
    if b is None:
        b = DEFAULT_B[:k, :k] if k <= 3 else 0.3 * np.eye(k)
    innov = 0.3 * np.ones((k, k)) + 0.7 * np.eye(k)
    w1 = solve_discrete_lyapunov(b, innov)  # stationary within covariance
    ri_cov = ri_sd**2 * (ri_corr * np.ones((k, k)) + (1 - ri_corr) * np.eye(k))
    ri = rng.multivariate_normal(np.zeros(k), ri_cov, size=n)
    w = np.empty((n, waves, k))
    w[:, 0] = rng.multivariate_normal(np.zeros(k), w1, size=n)
    for t in range(1, waves):
        w[:, t] = w[:, t - 1] @ b.T + rng.multivariate_normal(np.zeros(k), innov, size=n)
    cols = {}
    for j, name in enumerate(ks):
        scale, start, trend = (SCALE[j], START[j], TREND[j]) if j < len(SCALE) else (1.0, 0.0, 0.0)
        for t in range(waves):
            cols[f"{constructs[name]}{t + 1}"] = start + trend * t + scale * (ri[:, j] + w[:, t, j])
    wide = pd.DataFrame(cols)
    ordered = [f"{constructs[name]}{t + 1}" for t in range(waves) for name in ks]
    wide = wide[ordered]
    # Dropout: the wave at which a person leaves (waves + 1 = stays to the end).
    leave = np.full(n, waves + 1)
    for t in range(2, waves + 1):
        go = (leave > waves) & (rng.random(n) < dropout)
        leave[go] = t
    values = wide.to_numpy(copy=True)
    wave_of_col = np.repeat(np.arange(1, waves + 1), k)  # matches `ordered`
    missing = (wave_of_col[None, :] >= leave[:, None]) | (rng.random(values.shape) < skip)
    values[missing] = np.nan
    return pd.DataFrame(values, columns=ordered)


def indicator_prefixes(constructs: dict[str, str], indicators: int) -> dict[str, list[str]]:
    """The column prefixes of simulate_indicators: prefix + "p<j>_" for j = 1..indicators."""
    return {k: [f"{prefix}p{j}_" for j in range(1, indicators + 1)] for k, prefix in constructs.items()}


def simulate_indicators(
    n: int = 272,
    waves: int = 10,
    constructs: dict[str, str] | None = None,
    indicators: int = 3,
    seed: int = 1,
    dropout: float = 0.012,
    skip: float = 0.10,
    loadings=(1.0, 0.8, 1.2),
    error_sd: float = 0.6,
    unique_ri_sd: float = 0.3,
) -> pd.DataFrame:
    """Wide multiple-indicator panel data: the construct scores of simulate_wide (same
    arguments, same missing cells) measured by `indicators` indicators each,
    x_kjt = nu_j + lambda_j s_kt + u_kj + e_kjt, with loadings lambda_j (cycled),
    intercepts nu_j = j - 1, a person-level part u_kj of each indicator (SD
    unique_ri_sd) and independent errors e_kjt (SD error_sd). A construct's missing
    cell is missing for all its indicators. Columns indicator_prefixes(...) + wave."""
    constructs = dict(DEFAULT_CONSTRUCTS if constructs is None else constructs)
    scores = simulate_wide(n, waves, constructs, seed, dropout, skip)
    rng = np.random.default_rng([seed, 1])
    prefixes = indicator_prefixes(constructs, indicators)
    cols = {}
    for t in range(1, waves + 1):
        for k, prefix in constructs.items():
            s = scores[f"{prefix}{t}"].to_numpy()
            for j, column in enumerate(prefixes[k]):
                cols[f"{column}{t}"] = (j + loadings[j % len(loadings)] * s + rng.normal(0, error_sd, n))
    out = pd.DataFrame(cols)
    for k in constructs:
        for j, column in enumerate(prefixes[k]):
            unique = rng.normal(0, unique_ri_sd, n)
            for t in range(1, waves + 1):
                out[f"{column}{t}"] += unique
    return out
