"""Multigroup FIML fits with cross-group equality constraints.

semopy's multigroup fits groups separately, so the joint likelihood is built here:

    -2 log L(theta) = sum_g -2 log L_g(theta[idx_g])

Each group has its own sem_engine._Problem (same ModelSpec, that group's rows);
idx_g maps the group's parameters into the joint vector. Parameters named in
``equal`` (e.g. the lagged-effect labels) share one joint entry across groups;
all others are group-specific. The gradient is the scatter-add of the group
gradients, the Hessian the scatter-add of the group Hessians. Optimisation reuses
sem_engine's L-BFGS-B, damped Newton fallback and Newton polish, which only need
the f/fg/hessian/bounds/scale interface that JointProblem provides.

run_lavaan_multigroup fits the same model in lavaan (group = ...) for a cross-check.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import fiml
import sem_engine
from riclpm import ModelSpec


class JointProblem:
    """Duck-types sem_engine._Problem for the joint multigroup likelihood."""

    def __init__(self, data: pd.DataFrame, spec: ModelSpec, group_column: str, equal=()):
        if group_column not in data.columns:
            raise KeyError(f"group column {group_column!r} not in the data")
        if data[group_column].isna().any():
            raise ValueError(f"group column {group_column!r} has missing values")
        self.groups = sorted(data[group_column].astype(str).unique())
        if len(self.groups) < 2:
            raise ValueError(f"group column {group_column!r} has fewer than 2 groups: {self.groups}")
        labels = data[group_column].astype(str)
        self.probs = [sem_engine._Problem(data[labels == g], spec) for g in self.groups]
        names = self.probs[0].names
        unknown = sorted(set(equal) - set(names))
        if unknown:
            raise ValueError(f"parameters to hold equal are not in the model: {unknown}")
        self.equal = [n for n in names if n in set(equal)]
        self.names: list[str] = []
        joint: dict[str, int] = {}
        self.idx = []
        for g, prob in zip(self.groups, self.probs):
            if prob.names != names:
                raise RuntimeError("groups got different parameter tables from the same spec")
            ix = []
            for n in names:
                key = n if n in self.equal else f"{n}[{g}]"
                if key not in joint:
                    joint[key] = len(self.names)
                    self.names.append(key)
                ix.append(joint[key])
            self.idx.append(np.array(ix))
        self.k = len(self.names)
        self.n = sum(p.pat.n_rows for p in self.probs)
        self.scale = self._gather("scale", np.max)
        self.variance_ids = sorted({int(ix[i]) for prob, ix in zip(self.probs, self.idx)
                                    for i in prob.variance_ids})

    def _gather(self, attr, combine):
        """Joint vector from per-group vectors (shared entries combined)."""
        vals = [[] for _ in range(self.k)]
        for prob, ix in zip(self.probs, self.idx):
            for j, v in zip(ix, getattr(prob, attr)):
                vals[j].append(v)
        return np.array([combine(v) for v in vals], dtype=float)

    def split(self, x):
        return [x[ix] for ix in self.idx]

    def f(self, x):
        return sum(prob.f(xg) for prob, xg in zip(self.probs, self.split(x)))

    def fg(self, x):
        f, g = 0.0, np.zeros(self.k)
        for prob, ix, xg in zip(self.probs, self.idx, self.split(x)):
            fi, gi = prob.fg(xg)
            f += fi
            np.add.at(g, ix, gi)
        return f, g

    def hessian(self, x, g0=None):
        h = np.zeros((self.k, self.k))
        for prob, ix, xg in zip(self.probs, self.idx, self.split(x)):
            h[np.ix_(ix, ix)] += prob.hessian(xg)
        return h

    def bounds(self):
        b = [None] * self.k
        for prob, ix in zip(self.probs, self.idx):
            for j, bj in zip(ix, prob.bounds()):
                b[j] = bj
        return b

    def start(self, per_group: list[np.ndarray]) -> np.ndarray:
        """Joint start from per-group vectors: shared entries get the n-weighted mean."""
        num, den = np.zeros(self.k), np.zeros(self.k)
        for prob, ix, xg in zip(self.probs, self.idx, per_group):
            np.add.at(num, ix, prob.pat.n_rows * np.asarray(xg, dtype=float))
            np.add.at(den, ix, prob.pat.n_rows)
        return num / den


@dataclass
class MultigroupResult:
    estimates: pd.DataFrame  # group, lhs, op, rhs, label, name, est, se, z, p
    fit: dict
    diagnostics: dict
    params: np.ndarray
    param_names: list[str]
    groups: list[str]
    vcov: pd.DataFrame | None


def fit_multigroup(data: pd.DataFrame, spec: ModelSpec, group_column: str, equal=(),
                   start=None, se: bool = True, fit_measures: bool = True) -> MultigroupResult:
    """Fit spec jointly to the groups in data[group_column], holding `equal` equal.

    start: None (separate per-group fits, then shared entries averaged: close to
    the constrained optimum when the constraint holds roughly), a list of
    per-group parameter vectors (e.g. from separate fits done already), or a
    joint vector.
    """
    t0 = time.perf_counter()
    jp = JointProblem(data, spec, group_column, equal)
    if start is None:
        labels = data[group_column].astype(str)
        per_group = [sem_engine.fit_model(data[labels == g], spec, se=False, fit_measures=False).params
                     for g in jp.groups]
        x0 = jp.start(per_group)
    elif isinstance(start, list):
        x0 = jp.start(start)
    else:
        x0 = np.asarray(start, dtype=float)
        if x0.shape != (jp.k,):
            raise ValueError(f"start has {x0.size} values; the joint model has {jp.k}")
    bounds = jp.bounds()
    attempts = []
    res = sem_engine._minimise(jp, x0, jp.n)
    x = res.x
    attempts.append({"start": "given" if start is not None else "per-group fits",
                     "m2ll": float(jp.f(x)), "lbfgs_message": str(res.message)})
    g = jp.fg(x)[1]
    if _grad_max(x, g, bounds) >= sem_engine.GRAD_TOL:
        x = sem_engine._minimise(jp, sem_engine._damped_newton(jp, x), jp.n).x
        attempts.append({"start": "damped Newton", "m2ll": float(jp.f(x))})
    if se:
        x, f, g, hess, _ = sem_engine._newton_polish(jp, x)
    else:
        (f, g), hess = jp.fg(x), None
    free = sem_engine._interior(x, bounds)
    gmax = _grad_max(x, g, bounds)

    se_vec = np.full(jp.k, np.nan)
    vcov = None
    min_eig = None
    if se:
        # Observed information of the joint likelihood: half the Hessian of -2 log L.
        info = 0.5 * hess[np.ix_(free, free)]
        # A non-finite information matrix (tiny groups) has no eigenvalues: no SEs either.
        finite = info.size and np.all(np.isfinite(info))
        min_eig = float(np.linalg.eigvalsh(info)[0]) if finite else None
        v = np.full((jp.k, jp.k), np.nan)
        try:
            if not finite:
                raise np.linalg.LinAlgError("non-finite information matrix")
            v[np.ix_(free, free)] = np.linalg.inv(info)
            se_vec = np.sqrt(np.where(np.diag(v) > 0, np.diag(v), np.nan))
        except np.linalg.LinAlgError:
            pass
        vcov = pd.DataFrame(v, index=jp.names, columns=jp.names)

    rows = []
    for grp, prob, ix in zip(jp.groups, jp.probs, jp.idx):
        for p in spec.params:
            i = prob.lookup(p.lhs, p.op, p.rhs)
            if p.fixed is not None:
                e, s, name = p.fixed, np.nan, ""
            else:
                j = ix[i]
                e, s, name = float(x[j]), float(se_vec[j]), jp.names[j]
            rows.append({"group": grp, "lhs": p.lhs, "op": p.op, "rhs": "" if p.op == "~1" else p.rhs,
                         "label": p.label or "", "name": name, "est": e, "se": s})
    est = pd.DataFrame(rows)
    est["z"] = est["est"] / est["se"]
    est["p"] = 2.0 * stats.norm.sf(np.abs(est["z"]))

    loglik = -0.5 * f
    fit = {"loglik": loglik, "npar": jp.k, "n": jp.n,
           "aic": -2 * loglik + 2 * jp.k, "bic": -2 * loglik + np.log(jp.n) * jp.k}
    if fit_measures:
        # Saturated model per group (EM): chi-square against the joint h1, as lavaan.
        ll1 = sum(fiml.saturated_em(prob.pat)[2] for prob in jp.probs)
        p_obs = len(jp.probs[0].obs)
        df = len(jp.groups) * (p_obs + p_obs * (p_obs + 1) // 2) - jp.k
        chisq = max(2.0 * (ll1 - loglik), 0.0)
        fit.update({"loglik_h1": ll1, "chisq": chisq, "df": df, "pvalue": float(stats.chi2.sf(chisq, df))})
    heywood = [jp.names[i] for i in jp.variance_ids if x[i] <= 1e-10]
    diagnostics = {
        "converged": bool(gmax < sem_engine.GRAD_TOL),
        "grad_norm": gmax,
        "heywood": heywood,
        "information_min_eigenvalue": min_eig,
        "attempts": attempts,
        "groups": {g: int(p.pat.n_rows) for g, p in zip(jp.groups, jp.probs)},
        "equal": list(jp.equal),
        "seconds": time.perf_counter() - t0,
    }
    return MultigroupResult(est, fit, diagnostics, x.copy(), list(jp.names), list(jp.groups), vcov)


def _grad_max(x, g, bounds):
    free = sem_engine._interior(x, bounds)
    return float(np.max(np.abs(g[free]), initial=0.0))


def lag_labels(spec: ModelSpec) -> list[str]:
    """Every lagged-effect label of the spec, in specification order."""
    out = []
    for labels in spec.lagged.values():
        out += [labels] if isinstance(labels, str) else list(labels)
    return out


def lagged_by_group(res: MultigroupResult, spec: ModelSpec) -> pd.DataFrame:
    """One row per group and lagged-effect label (first occurrence): group, outcome,
    predictor, label, est, se, z, p, shared (held equal across groups)."""
    rev = {}
    for (out, pred), labels in spec.lagged.items():
        for lab in [labels] if isinstance(labels, str) else labels:
            rev[lab] = (out, pred)
    e = res.estimates
    rows = e[(e["op"] == "~") & e["label"].isin(list(rev))].drop_duplicates(["group", "label"]).copy()
    rows.insert(1, "outcome", [rev[lab][0] for lab in rows["label"]])
    rows.insert(2, "predictor", [rev[lab][1] for lab in rows["label"]])
    rows["shared"] = ~rows["name"].str.endswith("]")
    return rows[["group", "outcome", "predictor", "label", "est", "se", "z", "p", "shared"]].reset_index(drop=True)


# --- lavaan cross-check -------------------------------------------------------

_R_MULTIGROUP = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(args[1], na.strings = c("", "NA"), colClasses = c(group = "character"))
model <- paste(readLines(args[2]), collapse = "\n")
fit <- lavaan(model, data = dat, group = "group", missing = "ml", meanstructure = TRUE,
              information = "observed", se = "standard")
pe <- parameterEstimates(fit, ci = FALSE)
gl <- lavInspect(fit, "group.label")
pe$group <- ifelse(pe$group > 0, gl[pmax(pe$group, 1)], "")
pe$label[is.na(pe$label)] <- ""
write.csv(pe[, c("group", "lhs", "op", "rhs", "label", "est", "se")], args[3], row.names = FALSE)
fm <- fitMeasures(fit, c("logl", "npar", "chisq", "df", "aic", "bic", "ntotal"))
write.csv(data.frame(measure = names(fm), value = sprintf("%.17g", as.numeric(fm))),
          args[4], row.names = FALSE, quote = FALSE)
"""


def lavaan_multigroup_syntax(spec: ModelSpec, groups: list[str], equal=()) -> str:
    """spec.lavaan for lavaan's group = ...: a plain label is one parameter across
    all groups (equal); labels not in `equal` become c(lab.g1, lab.g2, ...)*,
    i.e. free per group."""
    equal = set(equal)
    text = spec.lavaan
    for lab in sorted(set(lag_labels(spec)) - equal, key=len, reverse=True):
        per_group = ", ".join(f"{lab}_g{i + 1}" for i in range(len(groups)))
        text = _replace_label(text, lab, f"c({per_group})")
    return text


def _replace_label(text: str, label: str, new: str) -> str:
    return re.sub(rf"(?<![A-Za-z0-9_]){re.escape(label)}\*", f"{new}*", text)


def run_lavaan_multigroup(data: pd.DataFrame, spec: ModelSpec, group_column: str, workdir: Path,
                          equal=()) -> dict:
    """Fit in lavaan with group = group_column; returns estimates and fit measures."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    groups = sorted(data[group_column].astype(str).unique())
    # Rows sorted by group, so lavaan's group order is ours.
    frame = data[spec.observed].assign(group=data[group_column].astype(str))
    frame = frame.sort_values("group", kind="stable")
    frame.to_csv(workdir / "data.csv", index=False, na_rep="", float_format="%.17g")
    (workdir / "model.lav").write_text(lavaan_multigroup_syntax(spec, groups, equal))
    (workdir / "fit.R").write_text(_R_MULTIGROUP)
    proc = subprocess.run(["Rscript", str(workdir / "fit.R"), str(workdir / "data.csv"),
                           str(workdir / "model.lav"), str(workdir / "est.csv"), str(workdir / "fit.csv")],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"lavaan multigroup fit failed:\n{proc.stderr}")
    est = pd.read_csv(workdir / "est.csv", keep_default_na=False, na_values=["NA"], dtype={"group": str})
    fit = pd.read_csv(workdir / "fit.csv")
    return {"estimates": est, "fit": dict(zip(fit["measure"], fit["value"].astype(float))),
            "stderr": proc.stderr}
