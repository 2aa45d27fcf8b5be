"""Estimation problems: what the optimiser (optimise.py) needs to know of a likelihood.

The protocol, `Problem`, is all that optimise.py and the result code use, so a
single-group FIML fit (FIMLProblem) and the joint likelihood of several groups
(multigroup.JointProblem) are optimised, and their standard errors computed, by the
same code. A problem is a function of a vector x of k free parameters:

- fg(x) -> (-2 log L, its gradient); f(x) -> -2 log L; both inf (gradient NaN)
  where the implied covariance is not positive definite;
- hessian(x, g0=None): the Hessian of -2 log L (g0: the gradient at x, if known);
- bounds(): (lower, upper) per parameter, None for no bound;
- names: a name per parameter; scale: the parameter's typical size, on which the
  optimiser takes its steps; n: the number of rows (the objective is divided by it);
- variance_ids: the parameters that are variances.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from panelsem import fiml
from panelsem.model import Matrices
from panelsem.spec import ModelSpec


class Problem(Protocol):
    names: list[str]
    k: int
    n: int
    scale: np.ndarray
    variance_ids: list[int]

    def f(self, x: np.ndarray) -> float: ...

    def fg(self, x: np.ndarray) -> tuple[float, np.ndarray]: ...

    def hessian(self, x: np.ndarray, g0: np.ndarray | None = None) -> np.ndarray: ...

    def bounds(self) -> list[tuple[float | None, float | None]]: ...


def check_columns(data: pd.DataFrame, spec: ModelSpec) -> None:
    """Clear errors for missing, non-numeric, (nearly) empty or constant columns, naming them."""
    problems = []
    for k, prefix in spec.constructs.items():
        want = [spec.column(k, t) for t in spec.waves]
        absent = [c for c in want if c not in data.columns]
        if len(absent) == len(want):
            have = [c for c in data.columns if str(c).startswith(prefix)]
            problems.append(
                f"construct {k}: prefix {prefix!r} matches none of the columns "
                f"{want[0]}..{want[-1]}" + (f" (columns with that prefix: {have})" if have else "")
            )
        elif absent:
            problems.append(f"construct {k}: prefix {prefix!r} lacks columns {absent}")
    if problems:
        raise KeyError("; ".join(problems))
    for c in spec.observed:
        if not pd.api.types.is_numeric_dtype(data[c]):
            raise TypeError(f"column {c!r} is not numeric (dtype {data[c].dtype})")
    empty = [c for c in spec.observed if data[c].notna().sum() == 0]
    if empty:
        raise ValueError(f"columns with no observed value (all missing) cannot be modelled: {empty}")
    single = [c for c in spec.observed if data[c].notna().sum() < 2]
    if single:
        raise ValueError(f"columns with fewer than 2 observed values cannot be modelled: {single}")
    # A constant column has variance 0: no positive definite implied covariance fits
    # it, and the optimiser's linear algebra would fail with a message naming nothing.
    constant = [c for c in spec.observed if data[c].nunique(dropna=True) == 1]
    if constant:
        raise ValueError(f"constant columns (variance 0) cannot be modelled: "
                         f"{', '.join(f'{c} (all {data[c].dropna().iloc[0]:g})' for c in constant)}")


# Entries of the work arrays of one batch of Hessian directions (rows x variables each).
HESSIAN_BATCH = 2_000_000


# Entries of the work arrays of one batch of Hessian directions (rows x variables each).
HESSIAN_BATCH = 2_000_000


class FIMLProblem:
    """FIML with a mean structure for one spec on one data set (rows = persons)."""

    def __init__(self, data: pd.DataFrame, spec: ModelSpec):
        check_columns(data, spec)
        self.spec = spec
        self.matrices = Matrices(spec)
        self.obs = self.matrices.observed
        y = data[self.obs].astype(float)
        keep = y.notna().any(axis=1).to_numpy()
        self.n_dropped = int((~keep).sum())
        # Rows chosen in pandas, then one array in pandas' (column-major) layout: the
        # column reductions of the scales and starts below then sum in the same
        # order as the semopy-based engine did, to the last bit.
        self.y = y.loc[keep].to_numpy()
        self.pat = fiml.patterns_from_array(self.y)
        self.n = self.pat.n_rows
        self.k = self.matrices.k
        self.names, self.keys = self.matrices.names, self.matrices.keys
        self.variance_ids = self.matrices.variance_ids
        self.scale = self._parameter_scales(spec)

    def _parameter_scales(self, spec: ModelSpec) -> np.ndarray:
        """Typical size of each parameter given the constructs' standard deviations.

        The optimiser works on x / scale: with means near 15 and lagged effects
        near 0.1 the raw problem is too ill-conditioned for L-BFGS.
        """
        sd_col = dict(zip(self.obs, np.sqrt(np.nanvar(self.y, axis=0))))
        sd_k = {}
        for v, k in spec.construct_of.items():
            if v in sd_col:
                sd_k.setdefault(k, []).append(sd_col[v])
        sd_k = {k: float(np.sqrt(np.nanmean(np.square(v)))) or 1.0 for k, v in sd_k.items()}

        def sd(v):
            return sd_k.get(spec.construct_of.get(v), 1.0)

        out = np.ones(self.k)
        for i, (lhs, op, rhs) in enumerate(self.keys):
            if op == "~1":
                out[i] = sd(lhs)
            elif op == "~~":
                out[i] = sd(lhs) * sd(rhs)
            elif op == "~":
                out[i] = sd(lhs) / sd(rhs)
            else:  # "=~": observed rhs on latent lhs
                out[i] = sd(rhs) / sd(lhs)
        return out

    def lookup(self, lhs: str, op: str, rhs: str = "") -> int | None:
        return self.matrices.lookup(lhs, op, rhs)

    def bounds(self):
        return list(self.matrices.bounds)

    def evaluation(self, x, patterns: fiml.Patterns | None = None) -> fiml.Evaluation | None:
        """The likelihood's pieces at x (fiml.Evaluation); None where the implied
        covariance is not positive definite. patterns: other data (a resample) for the
        same model."""
        return self._evaluate(x, patterns)[0]

    def _evaluate(self, x, patterns=None):
        sigma, mu, m, c = self.matrices.implied(x)
        try:
            return fiml.Evaluation(sigma, mu, self.pat if patterns is None else patterns), m, c
        except np.linalg.LinAlgError:
            return None, m, c

    def f(self, x, patterns: fiml.Patterns | None = None) -> float:
        ev = self.evaluation(x, patterns)
        return np.inf if ev is None else ev.f

    def fg(self, x, patterns: fiml.Patterns | None = None):
        """-2 log L and its gradient; patterns: other data (a resample) for the same model."""
        ev, m, c = self._evaluate(x, patterns)
        if ev is None:
            return np.inf, np.full(len(x), np.nan)
        return ev.f, self.matrices.chain_rule(*ev.gradient(), m, c)

    def jacobian(self, x) -> tuple[np.ndarray, np.ndarray]:
        """d Sigma / d theta (k, p, p) and d mu / d theta (k, p) at x."""
        _, _, m, c = self.matrices.implied(x)
        return self.matrices.jacobian(m, c)

    def hessian(self, x: np.ndarray, g0: np.ndarray | None = None) -> np.ndarray:
        """The Hessian of -2 log L at x, exact (NaN where Sigma is not positive definite):
        that in (Sigma, mu) mapped by the model's Jacobian (fiml.Evaluation.hessian),
        plus the model's own curvature (model.Matrices.second_order). g0 is not needed."""
        ev, m, c = self._evaluate(x)
        if ev is None:
            return np.full((self.k, self.k), np.nan)
        hess = ev.hessian(*self.matrices.jacobian(m, c), batch=HESSIAN_BATCH, factors=self.matrices.factors(m, c))
        hess += self.matrices.second_order(*ev.gradient(), m, c)
        return 0.5 * (hess + hess.T)

    def start_values(self, ri_share: float | None = None) -> np.ndarray:
        """Moment-based starts: between-person (co)variances from cross-wave
        covariances (with ri_share: that share of each construct's variance, at the
        same correlations), within-person ones as what is left at each wave, lags 0."""
        spec, y = self.spec, self.y
        mean = np.nanmean(y, axis=0)
        cov = pd.DataFrame(y, columns=self.obs).cov(min_periods=2).to_numpy()
        var = np.diag(cov)
        col = {c: i for i, c in enumerate(self.obs)}
        ks = list(spec.constructs)
        x = np.zeros(self.k)

        def cols(k):
            return [col[spec.column(k, t)] for t in spec.waves]

        ri = np.zeros((len(ks), len(ks)))
        if spec.random_intercepts:
            for a, ka in enumerate(ks):
                for b, kb in enumerate(ks):
                    block = cov[np.ix_(cols(ka), cols(kb))]
                    off = block[~np.eye(len(spec.waves), dtype=bool)]
                    ri[a, b] = np.nanmean(off)
            d = np.sqrt(np.clip(np.diag(ri), 0.1 * np.nanmean(var), None))
            if ri_share is not None:
                d = np.sqrt(ri_share * np.array([np.nanmean(var[cols(k)]) for k in ks]))
            corr = np.clip(ri / np.outer(d, d), -0.5, 0.5)
            np.fill_diagonal(corr, 1.0)
            ri = corr * np.outer(d, d)
            for a, ka in enumerate(ks):
                for b, kb in enumerate(ks):
                    i = self.lookup(f"RI_{ka}", "~~", f"RI_{kb}")
                    if i is not None:
                        x[i] = ri[a, b]
        for t in spec.waves:
            idx = [col[spec.column(k, t)] for k in ks]
            within = cov[np.ix_(idx, idx)] - ri
            d = np.sqrt(np.maximum(np.diag(within), 0.3 * var[idx]))
            corr = np.clip(within / np.outer(d, d), -0.5, 0.5)
            np.fill_diagonal(corr, 1.0)
            within = np.nan_to_num(corr) * np.outer(d, d)
            for a, ka in enumerate(ks):
                for b, kb in enumerate(ks):
                    i = self.lookup(spec.within(ka, t), "~~", spec.within(kb, t))
                    if i is not None:
                        x[i] = within[a, b]
        for c, j in col.items():
            i = self.lookup(c, "~1", "")
            if i is not None:
                x[i] = mean[j]
        return x

    def lavaan_starts(self) -> np.ndarray:
        """lavaan's default starts for this model: the wave-1 within parts (exogenous,
        one indicator each) at their indicator's variance, every other latent variance
        at 0.05, covariances and lagged effects 0, intercepts at the observed means."""
        spec = self.spec
        x = np.zeros(self.k)
        x[self.variance_ids] = 0.05
        for j, c in enumerate(self.obs):
            i = self.lookup(c, "~1", "")
            if i is not None:
                x[i] = np.nanmean(self.y[:, j])
        for k in spec.constructs:
            i = self.lookup(spec.within(k, spec.waves[0]), "~~", spec.within(k, spec.waves[0]))
            if i is not None:
                x[i] = np.nanvar(self.y[:, self.obs.index(spec.column(k, spec.waves[0]))])
        return x

    def start_candidates(self) -> list[tuple[str, np.ndarray]]:
        """Further starts for a multi-start search: lavaan's defaults, and moment-based
        starts with a small, middling and large between-person share of the variance."""
        out = [("lavaan default", self.lavaan_starts())]
        if self.spec.random_intercepts:
            out += [(f"moment-based, {share:.0%} between", self.start_values(share)) for share in (0.2, 0.5, 0.8)]
        return out
