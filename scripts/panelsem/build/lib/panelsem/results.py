"""The result of a fit (one type for single-group and multigroup fits), and the
tables drawn from it: lagged effects with Wald intervals, random-intercept
correlations."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from panelsem.spec import ModelSpec

Z975 = float(special.ndtri(0.975))


@dataclass
class FitResult:
    """estimates: one row per parameter of the spec (per group, with a `group` and the
    joint parameter `name`, for a multigroup fit): lhs, op, rhs, label, est, se, z, p,
    std_all. fit: fit measures; diagnostics: convergence, improper solutions, timing.
    params / param_names / vcov: the free parameters, their names and covariance
    matrix (None without standard errors). groups: the group labels of a multigroup
    fit, else None. sigma, mu, observed: the implied moments of a single-group fit.
    """

    estimates: pd.DataFrame
    fit: dict
    diagnostics: dict
    params: np.ndarray
    param_names: list[str]
    vcov: pd.DataFrame | None
    groups: list[str] | None = None
    sigma: np.ndarray | None = field(default=None, repr=False)
    mu: np.ndarray | None = field(default=None, repr=False)
    observed: list[str] | None = field(default=None, repr=False)

    @property
    def converged(self) -> bool:
        return bool(self.diagnostics["converged"])


def wald(est, se) -> dict:
    """z and two-sided p of est / se (arrays or scalars)."""
    z = est / se
    return {"z": z, "p": 2.0 * special.ndtr(-np.abs(z))}


def lagged_effects(res: FitResult, spec: ModelSpec) -> pd.DataFrame:
    """Within-person lagged effects of a single-group fit: outcome, predictor, wave (of
    the outcome), label, est, se, z, p, std_all. With time-invariant lags the
    unstandardised effect is the same at every wave but std_all is not (the within
    variances change)."""
    rev = spec.effect_of_label()
    e = res.estimates
    rows = e[(e["op"] == "~") & e["label"].isin(list(rev))].copy()
    rows.insert(0, "outcome", [rev[lab][0] for lab in rows["label"]])
    rows.insert(1, "predictor", [rev[lab][1] for lab in rows["label"]])
    rows.insert(2, "wave", [int(lhs[len(f"w_{o}"):]) for lhs, o in zip(rows["lhs"], rows["outcome"])])
    return rows[["outcome", "predictor", "wave", "label", "est", "se", "z", "p", "std_all"]].reset_index(drop=True)


def summarise_lagged(per_wave: pd.DataFrame) -> pd.DataFrame:
    """One row per lagged-effect label, with its 95% Wald interval.

    Input is lagged_effects (one row per wave). A time-invariant effect has one
    estimate but a std_all per wave, so the range of std_all over waves is given.
    """
    rows = []
    for label, hits in per_wave.groupby("label", sort=False):
        first = hits.iloc[0]
        rows.append({
            "outcome": first["outcome"],
            "predictor": first["predictor"],
            "label": label,
            "est": first["est"],
            "se": first["se"],
            "ci_lower": first["est"] - Z975 * first["se"],
            "ci_upper": first["est"] + Z975 * first["se"],
            "z": first["z"],
            "p": first["p"],
            "std_min": hits["std_all"].min(),
            "std_max": hits["std_all"].max(),
        })
    return pd.DataFrame(rows)


def lagged_by_group(res: FitResult, spec: ModelSpec) -> pd.DataFrame:
    """One row per group and lagged-effect label of a multigroup fit: group, outcome,
    predictor, label, est, se, z, p, shared (held equal across groups)."""
    rev = spec.effect_of_label()
    e = res.estimates
    rows = e[(e["op"] == "~") & e["label"].isin(list(rev))].drop_duplicates(["group", "label"]).copy()
    rows.insert(1, "outcome", [rev[lab][0] for lab in rows["label"]])
    rows.insert(2, "predictor", [rev[lab][1] for lab in rows["label"]])
    rows["shared"] = ~rows["name"].str.endswith("]")
    return rows[["group", "outcome", "predictor", "label", "est", "se", "z", "p", "shared"]].reset_index(drop=True)


def ri_correlations(res: FitResult) -> pd.DataFrame:
    """Between-person part: random-intercept covariances with their correlations
    (std_all); empty for the CLPM."""
    e = res.estimates
    ri = e[(e["op"] == "~~") & e["lhs"].str.startswith("RI_") & e["rhs"].str.startswith("RI_")]
    return ri[["lhs", "rhs", "est", "se", "std_all"]].rename(columns={"std_all": "corr"}).reset_index(drop=True)
