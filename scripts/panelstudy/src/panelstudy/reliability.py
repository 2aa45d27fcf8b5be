"""Internal consistency per instrument and week: Cronbach's alpha and McDonald's omega.

Both are computed on the parts of each scale, after reverse keying, over the rows
with every part present (listwise within the week). For a ``mean`` instrument the
parts are the items; for a ``domains`` instrument (QIDS) they are the domain scores,
because the total is their sum (a domain counts as present when any of its items is,
as in scoring).

Omega-total comes from a one-factor model fitted by maximum likelihood (own
implementation below, so each of the ~40 fits is fast and deterministic):
omega = (sum loadings)^2 / ((sum loadings)^2 + sum residual variances).
A residual variance at its lower bound (a Heywood case) is flagged, not hidden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from panelstudy.scoring import check_instrument, domain_scores, keyed_items

# Lower bound on a residual variance, on the correlation scale.
PSI_FLOOR = 1e-4


def _complete_matrix(items) -> np.ndarray:
    x = np.asarray(items, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(f"need a 2-D array with at least 2 columns, got shape {x.shape}")
    if np.isnan(x).any():
        raise ValueError("items contain missing values; pass complete rows only")
    if x.shape[0] < 2:
        raise ValueError("need at least 2 rows")
    return x


def cronbach_alpha(items: np.ndarray) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the sum), on complete rows."""
    x = _complete_matrix(items)
    k = x.shape[1]
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_var / total_var))


def one_factor_ml(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loadings and residual variances of a one-factor model fitted to ``cov`` by ML.

    Minimises log|Sigma| + tr(S Sigma^-1) with Sigma = l l' + diag(psi). The fit runs
    on the correlation scale (ML is scale invariant) and is rescaled back.
    """
    cov = np.asarray(cov, dtype=float)
    sd = np.sqrt(np.diag(cov))
    if np.any(sd <= 0):
        raise ValueError("an item has zero variance; the one-factor model is undefined")
    corr = cov / np.outer(sd, sd)
    k = corr.shape[0]

    def objective(theta):
        lam, psi = theta[:k], theta[k:]
        sigma = np.outer(lam, lam) + np.diag(psi)
        sign, logdet = np.linalg.slogdet(sigma)
        if sign <= 0:
            return np.inf, np.zeros_like(theta)
        inv = np.linalg.inv(sigma)
        f = logdet + np.trace(corr @ inv)
        g_sigma = inv - inv @ corr @ inv
        return f, np.concatenate([2 * g_sigma @ lam, np.diag(g_sigma)])

    values, vectors = np.linalg.eigh(corr)
    lam0 = vectors[:, -1] * np.sqrt(values[-1])
    psi0 = np.clip(1 - lam0**2, 0.1, None)
    fit = minimize(
        objective,
        np.concatenate([lam0, psi0]),
        jac=True,
        method="L-BFGS-B",
        bounds=[(None, None)] * k + [(PSI_FLOOR, None)] * k,
        options={"maxiter": 10000, "ftol": 1e-15, "gtol": 1e-10},
    )
    lam, psi = fit.x[:k], fit.x[k:]
    # The factor's sign is arbitrary; make the loadings mostly positive.
    if lam.sum() < 0:
        lam = -lam
    return lam * sd, psi * sd**2


def omega_from_fit(loadings: np.ndarray, residuals: np.ndarray) -> float:
    common = loadings.sum() ** 2
    return float(common / (common + residuals.sum()))


def omega_total(items) -> float:
    """Omega-total of complete rows from a one-factor ML fit."""
    x = _complete_matrix(items)
    return omega_from_fit(*one_factor_ml(np.cov(x, rowvar=False)))


def _parts(week_rows: pd.DataFrame, inst: dict) -> tuple[str, pd.DataFrame]:
    items = keyed_items(week_rows, inst)
    if inst["score"] == "domains":
        return "domains", domain_scores(items, inst).dropna()
    return "items", items.dropna()


def reliability_table(validated: dict[str, pd.DataFrame], instruments: dict) -> pd.DataFrame:
    """instrument, week, unit, k, n, alpha, omega, heywood for every scheduled week.

    ``validated`` holds the tables as data_contract writes them (columns id, arm,
    week, rater, items). A week with fewer complete rows than k + 1 (a singular
    covariance matrix), or with a part that has the same value in all of them, gets
    missing alpha and omega.
    """
    rows = []
    for key, inst in instruments.items():
        check_instrument(key, inst)
        data = validated[key]
        for week in sorted(inst["weeks"]):
            unit, parts = _parts(data[data["week"] == week], inst)
            k, n = parts.shape[1], parts.shape[0]
            alpha = omega = np.nan
            heywood = False
            x = parts.to_numpy()
            # A part that does not vary within the week (everyone answered 0) leaves the
            # one-factor model undefined: like too few rows, no alpha and omega.
            if n >= k + 1 and np.all(x.var(axis=0) > 0):
                alpha = cronbach_alpha(x)
                loadings, residuals = one_factor_ml(np.cov(x, rowvar=False))
                omega = omega_from_fit(loadings, residuals)
                # At the floor, up to rounding from rescaling to the raw scale.
                heywood = bool(np.any(residuals <= PSI_FLOOR * x.var(axis=0, ddof=1) * (1 + 1e-6)))
            rows.append(
                {"instrument": key, "week": week, "unit": unit, "k": k, "n": n,
                 "alpha": alpha, "omega": omega, "heywood": heywood}
            )
    return pd.DataFrame(rows)
