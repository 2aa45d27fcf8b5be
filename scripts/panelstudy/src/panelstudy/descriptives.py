"""Descriptives, retention and intraclass correlations of the weekly scores.

ICC estimator: REML for the random-intercept model y_it = x_it' b + u_i + e_it,
ICC = var(u) / (var(u) + var(e)). REML rather than the ANOVA ICC(1) because dropout
leaves the panel unbalanced and, in the synthetic trial as in the real one, depends
on earlier depression (missing at random): likelihood estimators stay consistent
under MAR, as the FIML SEM downstream does, while moment estimators need MCAR. On
balanced data with a positive between-person mean square the two coincide (tested).

Two mean models are reported: a grand mean, and free week means. The second matches
the RI-CLPM, whose wave means are free, so its ICC is the share of the variance
around the weekly means that is stable between persons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import minimize_scalar


def _sorted(df: pd.DataFrame, instruments, by: list[str]) -> pd.DataFrame:
    order = {key: i for i, key in enumerate(instruments)}
    return df.sort_values(by, key=lambda col: col.map(order) if col.name == "instrument" else col,
                          kind="mergesort").reset_index(drop=True)


def descriptives_by_arm_week(scores_long: pd.DataFrame, instruments) -> pd.DataFrame:
    """n, mean, SD and 95% t-interval of each score by instrument, arm and week
    (instruments: their keys, in the order of the config)."""
    grouped = scores_long.groupby(["instrument", "arm", "week"])["score"]
    out = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    half = stats.t.ppf(0.975, out["n"] - 1) * out["sd"] / np.sqrt(out["n"])
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out["n"] = out["n"].astype(int)
    return _sorted(out, instruments, ["instrument", "arm", "week"])


def retention_by_week(scores_long: pd.DataFrame, validated: dict[str, pd.DataFrame], instruments: dict) -> pd.DataFrame:
    """Per instrument and week: randomised N, the participants for whom it does not
    apply (arms where it is not given), rows with any item, scored n, and % missing of
    those it applies to: missing by design is not missing data."""
    everyone = pd.concat([df[["id", "arm"]].astype(str) for df in validated.values()]).drop_duplicates("id")
    rows = []
    for key, inst in instruments.items():
        data = validated[key]
        answered = data[list(inst["items"])].notna().any(axis=1)
        scores = scores_long[scores_long["instrument"] == key]
        applicable = int(everyone["arm"].isin(inst["arms"]).sum()) if "arms" in inst else len(everyone)
        for week in sorted(inst["weeks"]):
            scored = int(scores.loc[scores["week"] == week, "score"].notna().sum())
            rows.append({
                "instrument": key,
                "week": week,
                "randomised": len(everyone),
                "not_applicable": len(everyone) - applicable,
                "responded": int((answered & (data["week"] == week)).sum()),
                "scored": scored,
                "pct_missing": 100 * (1 - scored / applicable) if applicable else float("nan"),
            })
    return pd.DataFrame(rows)


def random_intercept_reml(y: np.ndarray, groups: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """REML (between, within) variances of a random-intercept model with fixed effects x.

    The residual variance is profiled out, leaving a 1-D search over the variance ratio
    g = between / within. Group sums make each evaluation O(N) (V_i^-1 has a closed form
    for a compound-symmetric block).
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    codes, sizes = np.unique(groups, return_inverse=True, return_counts=True)[1:]
    n_obs, p = x.shape
    s = np.zeros((len(sizes), p))
    np.add.at(s, codes, x)
    t = np.bincount(codes, weights=y)
    xtx, xty, yty = x.T @ x, x.T @ y, y @ y

    def parts(g):
        c = g / (1 + sizes * g)
        a = xtx - (s * c[:, None]).T @ s
        beta = np.linalg.solve(a, xty - s.T @ (c * t))
        group_resid = t - s @ beta
        q = yty - 2 * beta @ xty + beta @ xtx @ beta - np.sum(c * group_resid**2)
        return a, q

    def objective(g):
        a, q = parts(g)
        return (n_obs - p) * np.log(q) + np.sum(np.log1p(sizes * g)) + np.linalg.slogdet(a)[1]

    best = minimize_scalar(lambda log_g: objective(np.exp(log_g)), bounds=(-20, 10), method="bounded",
                           options={"xatol": 1e-10})
    # A search on log g cannot reach g = 0, the boundary where the ICC is zero.
    g = 0.0 if objective(0.0) <= best.fun else float(np.exp(best.x))
    within = parts(g)[1] / (n_obs - p)
    return g * within, within


def _weeks_label(weeks: list[int]) -> str:
    if weeks == list(range(weeks[0], weeks[-1] + 1)):
        return f"{weeks[0]}-{weeks[-1]}"
    return ",".join(str(w) for w in weeks)


def icc_table(scores_long: pd.DataFrame, instruments: dict, waves=None, constructs=None) -> pd.DataFrame:
    """ICC per instrument over the model's waves, with a grand mean and with week means.

    Uses `waves` (the model's, intersected with each schedule) when given, so a
    baseline week outside the panel model does not enter; otherwise every scheduled
    week. constructs: instrument -> construct, for the table.
    """
    constructs = constructs or {}
    rows = []
    for key, inst in instruments.items():
        weeks = sorted(set(inst["weeks"]) & set(waves)) if waves else sorted(inst["weeks"])
        data = scores_long[(scores_long["instrument"] == key) & scores_long["week"].isin(weeks)]
        data = data.dropna(subset=["score"])
        designs = {
            "grand mean": np.ones((len(data), 1)),
            "week means": pd.get_dummies(data["week"]).to_numpy(dtype=float),
        }
        for mean_model, x in designs.items():
            between, within = random_intercept_reml(data["score"].to_numpy(), data["id"].to_numpy(), x)
            rows.append({
                "instrument": key,
                "construct": constructs.get(key, key),
                "mean_model": mean_model,
                "weeks": _weeks_label(weeks),
                "n_persons": data["id"].nunique(),
                "n_obs": len(data),
                "var_between": between,
                "var_within": within,
                "icc": between / (between + within),
            })
    return pd.DataFrame(rows)
