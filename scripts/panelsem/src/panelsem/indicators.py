"""The multiple-indicator RI-CLPM (Mulder & Hamaker, 2021, extension 3): each construct
is measured at every wave by several indicators (item parcels), so that measurement
error is modelled instead of being absorbed into the within-person parts.

Following the lavaan syntax of Mulder & Hamaker (2021, their RICLPM2.ext3 and
RICLPM3.ext3), with every parameter spelled out:

- observed x_kjt = nu_kjt + RI_kj + lambda_kj w_kt + e_kjt for indicator j of
  construct k at wave t: one random intercept per indicator (RI_k_j, loadings 1), the
  RIs covarying freely among themselves;
- a within-person factor w_kt per construct and wave, with the first indicator's
  loading fixed at 1 (so the factor is on that indicator's scale) and the others'
  held equal over time (weak factorial invariance, labels lam_k_j);
- indicator residual variances e_kjt free, uncorrelated;
- the dynamics of the RI-CLPM on the factors: w_t = B w_(t-1) + z_t, lagged effects
  b_O_P (time-invariant) or b_O_P_t (free), innovations covarying within a wave,
  wave-1 factors covarying among themselves and not with the RIs;
- invariance="weak": indicator intercepts free per wave, factor means 0;
  invariance="strong": indicator intercepts equal over time (labels nu_k_j) and the
  factor means free from the second wave on, so that mean change is change of the
  construct. Strong is nested in weak: compare them by a likelihood-ratio test.

The result is an IndicatorSpec, a ModelSpec whose ``constructs`` map each indicator
(named k_j) to its column prefix, as fit_model reads columns; ``indicators`` groups
them by construct. Lagged-effect labels and within-factor names are those of
build_riclpm, so lagged_effects and the indirect-effect code read both alike.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from panelsem.fit import as_start, fit_model
from panelsem.model import Matrices
from panelsem.optimise import FIRST_STEP
from panelsem.problem import FIMLProblem
from panelsem.results import FitResult
from panelsem.spec import IDENTIFIER, LAGGED, ModelSpec, Param, lagged_paths, render

INVARIANCE = ("weak", "strong")


@dataclass
class IndicatorSpec(ModelSpec):
    """A multiple-indicator RI-CLPM: indicators maps construct -> its indicator names
    (keys of constructs, first = the marker whose loading is 1)."""

    indicators: dict[str, tuple[str, ...]] = field(default_factory=dict)
    invariance: str = "weak"


def indicator_name(construct: str, j: int) -> str:
    return f"{construct}_{j}"


def loading_label(construct: str, j: int) -> str:
    return f"lam_{construct}_{j}"


def intercept_label(construct: str, j: int) -> str:
    return f"nu_{construct}_{j}"


def syntax(params: list[Param]) -> str:
    """The model in lavaan syntax. spec.render writes intercepts as ``x ~ 1``; labelled
    intercepts (held equal over time) need ``x ~ label*1``."""
    labelled = [p for p in params if p.op == "~1" and p.label is not None]
    text = render([p for p in params if p not in labelled])
    return text + "".join(f"{p.lhs} ~ {p.label}*1\n" for p in labelled)


def check_indicators(indicators: dict[str, list[str]], waves) -> list[int]:
    if not indicators:
        raise ValueError("at least one construct is needed")
    for k, prefixes in indicators.items():
        if not IDENTIFIER.match(k):
            raise ValueError(f"construct name {k!r} must be a letter followed by letters/digits/_")
        if len(prefixes) < 2:
            raise ValueError(f"construct {k!r} has {len(prefixes)} indicator(s); the model needs at least 2")
        for prefix in prefixes:
            if not prefix or not IDENTIFIER.match(prefix + "1"):
                raise ValueError(f"prefix {prefix!r} of construct {k!r} does not give valid column names")
    waves = sorted(int(t) for t in waves)
    if len(set(waves)) != len(waves):
        raise ValueError(f"duplicate waves in {waves}")
    if len(waves) < 3:
        raise ValueError("the multiple-indicator RI-CLPM needs at least 3 waves")
    return waves


def build_mi_riclpm(indicators: dict[str, list[str]], waves, invariance: str = "weak",
                    lagged: str = "invariant") -> IndicatorSpec:
    """Build the multiple-indicator RI-CLPM.

    indicators maps a construct's short name (e.g. "A") to the column prefixes of its
    indicators (e.g. ["alliance_p1_", "alliance_p2_", "alliance_p3_"]); the column of
    indicator j at wave t is prefix_j + str(t). The first indicator is the marker.
    """
    if invariance not in INVARIANCE:
        raise ValueError(f"invariance must be 'weak' or 'strong', not {invariance!r}")
    if lagged not in LAGGED:
        raise ValueError(f"lagged must be 'invariant' or 'free', not {lagged!r}")
    waves = check_indicators(indicators, waves)
    ks = list(indicators)
    names = {k: [indicator_name(k, j) for j in range(1, len(p) + 1)] for k, p in indicators.items()}
    prefix = {names[k][j]: p for k, ps in indicators.items() for j, p in enumerate(ps)}
    observed = [f"{prefix[i]}{t}" for t in waves for k in ks for i in names[k]]
    if len(set(observed)) != len(observed):
        raise ValueError(f"prefixes {list(prefix.values())} produce clashing column names")

    def w(k: str, t: int) -> str:
        return f"w_{k}{t}"

    def x(i: str, t: int) -> str:
        return f"{prefix[i]}{t}"

    params: list[Param] = []
    ris = [f"RI_{i}" for k in ks for i in names[k]]
    for k in ks:
        for i in names[k]:
            params += [Param(f"RI_{i}", "=~", x(i, t), fixed=1.0) for t in waves]
    for t in waves:
        for k in ks:
            for j, i in enumerate(names[k], start=1):
                if j == 1:
                    params.append(Param(w(k, t), "=~", x(i, t), fixed=1.0))
                else:
                    params.append(Param(w(k, t), "=~", x(i, t), label=loading_label(k, j)))

    lag_params, lag_labels = lagged_paths(ks, waves, lagged, w)
    params += lag_params

    for t in waves:
        for a, b in itertools.combinations_with_replacement(ks, 2):
            params.append(Param(w(a, t), "~~", w(b, t)))
    for a, b in itertools.combinations_with_replacement(ris, 2):
        params.append(Param(a, "~~", b))
    # Exogenous latents would otherwise covary in lavaan.
    params += [Param(a, "~~", w(k, waves[0]), fixed=0.0) for a in ris for k in ks]
    for t in waves:
        for k in ks:
            params += [Param(x(i, t), "~~", x(i, t)) for i in names[k]]
    for t in waves:
        for k in ks:
            for j, i in enumerate(names[k], start=1):
                label = intercept_label(k, j) if invariance == "strong" else None
                params.append(Param(x(i, t), "~1", "1", label=label))
    if invariance == "strong":
        params += [Param(w(k, t), "~1", "1") for t in waves[1:] for k in ks]

    return IndicatorSpec(
        constructs=prefix,
        waves=waves,
        random_intercepts=True,
        params=params,
        observed=observed,
        lagged={pair: tuple(labels) for pair, labels in lag_labels.items()},
        construct_of={
            **{f"RI_{i}": k for k in ks for i in names[k]},
            **{w(k, t): k for k in ks for t in waves},
            **{x(i, t): k for k in ks for i in names[k] for t in waves},
        },
        syntax=syntax(params),
        indicators={k: tuple(v) for k, v in names.items()},
        invariance=invariance,
    )


def start_values(data: pd.DataFrame, spec: IndicatorSpec) -> np.ndarray:
    """Moment-based starts, close enough to the optimum that the optimiser's steps stay
    where the implied covariance is positive definite (from lags of 0 and innovations
    equal to the factor variances, L-BFGS-B leaves that region within a few steps).

    Random intercepts: the indicators' covariances between waves at least two apart
    (where the within-person parts have mostly decorrelated). Within-person factors on
    their markers' scale (loadings 1): covariances between different indicators of
    what is left, at the same wave and one wave apart, which give the lagged effects
    by Yule-Walker, B = C F^-1 over all pairs of successive waves, and the
    innovations as F_t - B F_(t-1) B'. Residual variances: the rest of each
    indicator's variance, at least a tenth of it. Intercepts: the means.
    """
    mx = Matrices(spec)
    y = data[mx.observed].astype(float)
    mean, cov = y.mean().to_numpy(), y.cov(min_periods=2).to_numpy()
    col = {c: i for i, c in enumerate(mx.observed)}
    waves, ks = spec.waves, list(spec.indicators)
    x = np.zeros(mx.k)

    def put(lhs, op, rhs, value):
        i = mx.lookup(lhs, op, rhs)
        if i is not None:
            x[i] = value

    def at(i, t):
        return col[spec.column(i, t)]

    ris = list(spec.constructs)
    apart = [(t, u) for t in waves for u in waves if abs(waves.index(t) - waves.index(u)) >= 2]
    ri = np.array([[np.nanmean([cov[at(a, t), at(b, u)] for t, u in apart]) for b in ris] for a in ris])
    ri = proper(np.nan_to_num(ri), floor=0.05 * np.nanmean(np.diag(cov)))
    for (a, i), (b, j) in itertools.combinations_with_replacement(enumerate(ris), 2):
        put(f"RI_{i}", "~~", f"RI_{j}", ri[a, b])
    within = cov.copy()
    for t in waves:
        for u in waves:
            within[np.ix_([at(i, t) for i in ris], [at(i, u) for i in ris])] -= ri

    def factor_cov(t, u):
        """Factor covariances between waves t and u, from different indicators."""
        out = np.empty((len(ks), len(ks)))
        for a, ka in enumerate(ks):
            for b, kb in enumerate(ks):
                out[a, b] = np.nanmean([within[at(i, t), at(j, u)] for i in spec.indicators[ka]
                                        for j in spec.indicators[kb] if i != j or t != u])
        return np.nan_to_num(out)

    var = {t: np.array([cov[at(spec.indicators[k][0], t), at(spec.indicators[k][0], t)] for k in ks])
           for t in waves}
    factor = {t: proper(factor_cov(t, t), floor=0.2 * var[t], ceiling=0.9 * var[t]) for t in waves}
    pairs = list(zip(waves[:-1], waves[1:]))
    lagged = sum(factor_cov(u, t) for t, u in pairs) @ np.linalg.inv(sum(factor[t] for t, _ in pairs))
    radius = np.max(np.abs(np.linalg.eigvals(lagged)))
    B = lagged * min(1.0, 0.9 / radius) if radius > 0 else lagged
    for (a, ka), (b, kb) in itertools.product(enumerate(ks), repeat=2):
        for t_prev, t in pairs:
            put(spec.within(ka, t), "~", spec.within(kb, t_prev), B[a, b])
    for t_prev, t in [(None, waves[0]), *pairs]:
        psi = factor[t] if t_prev is None else proper(factor[t] - B @ factor[t_prev] @ B.T, floor=0.1 * var[t])
        for (a, ka), (b, kb) in itertools.combinations_with_replacement(enumerate(ks), 2):
            put(spec.within(ka, t), "~~", spec.within(kb, t), psi[a, b])
        for a, k in enumerate(ks):
            for i in spec.indicators[k]:
                c = at(i, t)
                put(spec.column(i, t), "~~", spec.column(i, t), max(within[c, c] - factor[t][a, a], 0.1 * cov[c, c]))

    for k in ks:
        for j in range(2, len(spec.indicators[k]) + 1):
            put(f"w_{k}{waves[0]}", "=~", spec.column(spec.indicators[k][j - 1], waves[0]), 1.0)
    for c, j in col.items():
        put(c, "~1", "", mean[j])
    if spec.invariance == "strong":
        for k in ks:
            level = {t: mean[at(spec.indicators[k][0], t)] for t in waves}
            for t in waves[1:]:
                put(spec.within(k, t), "~1", "", level[t] - level[waves[0]])
            for i in spec.indicators[k]:
                put(spec.column(i, waves[0]), "~1", "", mean[at(i, waves[0])])
    return x


def proper(cov: np.ndarray, floor, ceiling=None) -> np.ndarray:
    """A covariance matrix made usable as a start: variances within [floor, ceiling],
    correlations within +-0.9."""
    d = np.sqrt(np.clip(np.diag(cov), floor, ceiling))
    corr = np.clip(cov / np.outer(d, d), -0.9, 0.9)
    np.fill_diagonal(corr, 1.0)
    return corr * np.outer(d, d)


def approach(data: pd.DataFrame, spec: IndicatorSpec, x0: np.ndarray, gtol: float = 1e-4,
             max_iter: int = 3000) -> np.ndarray:
    """Quasi-Newton (BFGS) steps towards the optimum, in the optimiser's scaled
    parameters, from x0.

    fit_model's L-BFGS-B stops where a trial step leaves the region in which the
    implied covariance is positive definite, and with 90 indicators and 300
    parameters its steps from moment-based starts do within a few iterations (its
    rescue, Newton steps on a finite-difference Hessian, costs 300 gradients a step).
    BFGS backtracks from such steps. Variances it leaves below a small floor are put
    back at the floor, so that fit_model starts inside the region.
    """
    prob = FIMLProblem(data, spec)
    s = prob.scale * FIRST_STEP

    def fun(z):
        f, g = prob.fg(z * s)
        if not np.isfinite(f):
            return np.inf, np.zeros_like(z)
        return f / prob.n, g * s / prob.n

    res = optimize.minimize(fun, x0 / s, jac=True, method="BFGS", options={"gtol": gtol, "maxiter": max_iter})
    x = res.x * s
    floor = 1e-4 * prob.scale[prob.variance_ids]
    x[prob.variance_ids] = np.maximum(x[prob.variance_ids], floor)
    return x if np.isfinite(prob.f(x)) else x0


def fit_mi_riclpm(data: pd.DataFrame, spec: IndicatorSpec, start=None, se: bool = True,
                  fit_measures: bool = False) -> FitResult:
    """Fit a multiple-indicator RI-CLPM by FIML: approach() from moment-based starts
    (or from `start`, a FitResult or parameter vector of the same spec), then
    fit_model from there, which polishes, checks convergence and gives standard
    errors as for any model. fit_measures (False by default) needs the saturated
    model of every indicator, by EM."""
    x0 = start_values(data, spec) if start is None else as_start(start, Matrices(spec).k)
    return fit_model(data, spec, start=approach(data, spec, x0), se=se, fit_measures=fit_measures)
