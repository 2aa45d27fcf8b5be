"""Multigroup FIML with cross-group equality constraints.

semopy's multigroup fits groups separately, so the joint likelihood is built here:

    -2 log L(theta) = sum_g -2 log L_g(theta[idx_g])

Each group has its own FIMLProblem (same ModelSpec, that group's rows); idx_g maps
the group's parameters into the joint vector. Parameters named in ``equal`` (e.g.
the lagged-effect labels) share one joint entry across groups; all others are
group-specific, named ``name[group]``. The gradient is the scatter-add of the group
gradients, the Hessian the scatter-add of the group Hessians. JointProblem follows
the Problem protocol (problem.py), so the optimiser and the result code are those of
single-group fits.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from panelsem.fit import as_start, assemble, fit_model, se_type
from panelsem.optimise import GRAD_TOL, optimise
from panelsem.problem import FIMLProblem
from panelsem.results import FitResult
from panelsem.spec import ModelSpec


class JointProblem:
    """The joint likelihood of the groups in data[group_column] (a Problem)."""

    def __init__(self, data: pd.DataFrame, spec: ModelSpec, group_column: str, equal=()):
        if group_column not in data.columns:
            raise KeyError(f"group column {group_column!r} not in the data")
        if data[group_column].isna().any():
            raise ValueError(f"group column {group_column!r} has missing values")
        self.groups = sorted(data[group_column].astype(str).unique())
        if len(self.groups) < 2:
            raise ValueError(f"group column {group_column!r} has fewer than 2 groups: {self.groups}")
        labels = data[group_column].astype(str)
        self.probs = [FIMLProblem(data[labels == g], spec) for g in self.groups]
        names = self.probs[0].names
        unknown = sorted(set(equal) - set(names))
        if unknown:
            raise ValueError(f"parameters to hold equal are not in the model: {unknown}")
        self.equal = [n for n in names if n in set(equal)]
        self.names: list[str] = []
        joint: dict[str, int] = {}
        self.idx = []
        for g, prob in zip(self.groups, self.probs):
            ix = []
            for n in names:
                key = n if n in self.equal else f"{n}[{g}]"
                if key not in joint:
                    joint[key] = len(self.names)
                    self.names.append(key)
                ix.append(joint[key])
            self.idx.append(np.array(ix))
        self.k = len(self.names)
        self.n = sum(p.n for p in self.probs)
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

    def parts(self):
        """(group, its FIMLProblem, positions of its parameters in the joint vector)."""
        return list(zip(self.groups, self.probs, self.idx))

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
            np.add.at(num, ix, prob.n * np.asarray(xg, dtype=float))
            np.add.at(den, ix, prob.n)
        return num / den


def fit_multigroup(data: pd.DataFrame, spec: ModelSpec, group_column: str, equal=(),
                   start=None, se: bool | str = True, fit_measures: bool = True,
                   grad_tol: float = GRAD_TOL) -> FitResult:
    """Fit spec jointly to the groups in data[group_column], holding `equal` equal.

    start: None (separate per-group fits, then shared entries averaged: close to
    the constrained optimum when the constraint holds roughly), a list of
    per-group parameter vectors (e.g. from separate fits done already), or a
    joint vector.
    """
    t0 = time.perf_counter()
    if se_type(se) == "robust":
        raise NotImplementedError("robust standard errors for multigroup fits")
    jp = JointProblem(data, spec, group_column, equal)
    if start is None:
        labels = data[group_column].astype(str)
        per_group = [fit_model(data[labels == g], spec, se=False, fit_measures=False).params for g in jp.groups]
        x0 = jp.start(per_group)
    elif isinstance(start, list):
        x0 = jp.start(start)
    else:
        x0 = as_start(start, jp.k)
    opt = optimise(jp, x0, polish=bool(se), grad_tol=grad_tol,
                   start_label="given" if start is not None else "per-group fits")
    extra = {"groups": {g: int(p.n) for g, p in zip(jp.groups, jp.probs)}, "equal": list(jp.equal)}
    return assemble(jp, jp.parts(), opt, se, fit_measures, grad_tol, t0, extra)
