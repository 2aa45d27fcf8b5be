"""Fit an RI-CLPM/CLPM ModelSpec by FIML with a mean structure.

The model is built and parameterised by semopy (FastFIMLModel, a ModelMeans with
a vectorised FIML objective); optimisation, standard errors, standardised
estimates and fit measures are done here, matching lavaan's
lavaan(model, data, missing = "ml", meanstructure = TRUE):

- estimates: L-BFGS-B with variances bounded at 0, then Newton steps on a
  finite-difference Hessian of the analytic gradient; if the gradient is still
  not small, restarts from perturbed starts and keeps the best likelihood;
- standard errors: observed information (lavaan's default under missing = "ml"),
  i.e. the inverse of half the Hessian of -2 log L;
- std_all: lavaan's standardizedSolution(type = "std.all") conventions;
- fit measures: see fit_measures.py;
- bootstrap refits: Refitter, quasi-Newton steps on resamples as row weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

import fiml
from fit_measures import fit_measures as compute_fit_measures
from riclpm import ModelSpec

# Convergence: largest absolute gradient of -2 log L over parameters not at a
# bound. A change of 1e-3 in -2 log L per unit parameter is far below any
# reported precision; lavaan's own optimiser stops at a comparable point.
GRAD_TOL = 1e-3
HEYWOOD_TOL = 1e-6  # relative to the observed variance of the construct


@dataclass
class FitResult:
    estimates: pd.DataFrame
    fit: dict
    diagnostics: dict
    params: np.ndarray
    param_names: list[str]
    vcov: pd.DataFrame | None
    sigma: np.ndarray = field(repr=False)
    mu: np.ndarray = field(repr=False)
    observed: list[str] = field(repr=False)


def check_columns(data: pd.DataFrame, spec: ModelSpec) -> None:
    """Clear errors for missing or non-numeric columns, naming the prefix."""
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
    empty = [c for c in spec.observed if data[c].notna().sum() < 2]
    if empty:
        raise ValueError(f"columns with fewer than 2 observed values cannot be modelled: {empty}")


class _Problem:
    """The semopy model, its parameter table and the data for one fit."""

    def __init__(self, data: pd.DataFrame, spec: ModelSpec):
        check_columns(data, spec)
        y = data[spec.observed].astype(float)
        keep = y.notna().any(axis=1).to_numpy()
        self.n_dropped = int((~keep).sum())
        self.model = fiml.FastFIMLModel(spec.description)
        self.model.load(y.loc[keep].reset_index(drop=True))
        self.pat = self.model.patterns
        self.obs = list(self.model.vars["observed"])
        self.inner = list(self.model.vars["inner"])
        self.k = len(self.model.param_vals)
        self.names, self.keys, self.index = self._parameter_keys()
        self.scale = self._parameter_scales(spec)
        self.variance_ids = [
            i for i, (lhs, op, rhs) in enumerate(self.keys) if op == "~~" and lhs == rhs
        ]

    def _parameter_keys(self):
        """Names (label, else lavaan-style "lhs~~rhs"), (lhs, op, rhs) of the first
        location, and an index from every location's (lhs, op, rhs) to the free
        parameter (several for a label)."""
        m = self.model
        active = [(name, p) for name, p in m.parameters.items() if p.active]
        which = {id(mx): i for i, mx in enumerate(m.matrices)}
        names, keys, index = [], [], {}
        for j, (name, p) in enumerate(active):
            for loc in p.locations:
                i = which[id(loc.matrix)]
                rows, cols = m.names[i]
                r, c = rows[loc.indices[0]], cols[loc.indices[1]]
                mx = m.matrices_names[i]
                if mx == "beta":
                    key = (r, "~", c)
                elif mx == "lambda":
                    key = (c, "=~", r)
                elif mx in ("psi", "theta"):
                    key = (r, "~~", c)
                elif mx in ("gamma1", "gamma2") and c == "1":
                    key = (r, "~1", "")
                else:
                    raise NotImplementedError(f"parameter {name} in matrix {mx}")
                index[key] = j
                if loc is p.locations[0]:
                    # semopy's own names (_b12, _c3) mean nothing to a reader
                    names.append(name if not name.startswith("_") else "".join(key))
                    keys.append(key)
        return names, keys, index

    def _parameter_scales(self, spec: ModelSpec) -> np.ndarray:
        """Typical size of each parameter given the constructs' standard deviations.

        The optimiser works on x / scale: with means near 15 and lagged effects
        near 0.1 the raw problem is too ill-conditioned for L-BFGS.
        """
        y = self.model.mx_data
        sd_col = dict(zip(self.obs, np.sqrt(np.nanvar(y, axis=0))))
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

    def lookup(self, lhs: str, op: str, rhs: str) -> int | None:
        if op == "~1":
            return self.index.get((lhs, "~1", ""))
        i = self.index.get((lhs, op, rhs))
        if i is None and op == "~~":
            i = self.index.get((rhs, op, lhs))
        return i

    def f(self, x):
        return self.model.obj_fiml(x)

    def fg(self, x):
        return self.model.obj_grad_fiml(x)

    def bounds(self):
        return [(b[0], b[1]) for b in self.model.get_bounds()]

    def hessian(self, x: np.ndarray, g0: np.ndarray | None = None) -> np.ndarray:
        """Forward differences of the analytic gradient, symmetrised.

        Step 1e-6 relative: truncation and rounding errors are both about 1e-6 of
        the entries, far below what the standard errors need.
        """
        if g0 is None:
            g0 = self.fg(x)[1]
        h = 1e-6 * np.maximum(1.0, np.abs(x))
        hess = np.empty((self.k, self.k))
        for i in range(self.k):
            xi = x.copy()
            xi[i] += h[i]
            hess[:, i] = (self.fg(xi)[1] - g0) / h[i]
        return 0.5 * (hess + hess.T)


def _start_values(prob: _Problem, spec: ModelSpec) -> np.ndarray:
    """Moment-based starts: between-person (co)variances from cross-wave
    covariances, within-person ones as what is left at each wave, lags 0."""
    y = prob.model.mx_data
    mean = np.nanmean(y, axis=0)
    cov = pd.DataFrame(y, columns=prob.obs).cov(min_periods=2).to_numpy()
    var = np.diag(cov)
    col = {c: i for i, c in enumerate(prob.obs)}
    ks = list(spec.constructs)
    x = np.zeros(prob.k)

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
        corr = np.clip(ri / np.outer(d, d), -0.5, 0.5)
        np.fill_diagonal(corr, 1.0)
        ri = corr * np.outer(d, d)
        for a, ka in enumerate(ks):
            for b, kb in enumerate(ks):
                i = prob.lookup(f"RI_{ka}", "~~", f"RI_{kb}")
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
                i = prob.lookup(spec.within(ka, t), "~~", spec.within(kb, t))
                if i is not None:
                    x[i] = within[a, b]
    for c, j in col.items():
        i = prob.lookup(c, "~1", "")
        if i is not None:
            x[i] = mean[j]
    return x


def _clip_to_bounds(x, bounds):
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    return np.clip(x, lo, hi)


def _interior(x, bounds, tol=1e-10):
    return np.array(
        [
            (b[0] is None or xi > b[0] + tol) and (b[1] is None or xi < b[1] - tol)
            for xi, b in zip(x, bounds)
        ]
    )


# L-BFGS-B's first trial step has unit length in the scaled parameters. At one SD
# per parameter it leaves the positive-definite region from a warm start on
# resampled data, and scipy's L-BFGS-B then stops instead of backtracking.
FIRST_STEP = 0.1


def _minimise(prob: _Problem, x0: np.ndarray, n: int):
    """L-BFGS-B on -2 log L / N in scaled parameters z = x / (FIRST_STEP * scale)."""
    s = prob.scale * FIRST_STEP
    bounds = [
        (None if lo is None else lo / si, None if hi is None else hi / si)
        for (lo, hi), si in zip(prob.bounds(), s)
    ]

    def fun(z):
        f, g = prob.fg(z * s)
        if not np.isfinite(f):
            return np.inf, np.zeros_like(z)
        return f / n, g * s / n

    res = optimize.minimize(
        fun,
        _clip_to_bounds(x0 / s, bounds),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 20000, "maxfun": 40000, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 30},
    )
    res.x = res.x * s
    return res


def _damped_newton(prob: _Problem, x: np.ndarray, max_iter: int = 200, tol: float = 1e-6):
    """Levenberg-Marquardt steps in scaled parameters, taking only finite, decreasing steps.

    The fallback when L-BFGS-B stalls: on small samples its first unit step leaves
    the region where the implied covariance is positive definite, and the line
    search gives up at the start values. Damping shrinks the step until it stays inside.
    """
    bounds = prob.bounds()
    lower = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    s = prob.scale
    f, g = prob.fg(x)
    lam = 1e-3
    for _ in range(max_iter):
        # Free: interior, or on the lower bound with the gradient pointing inwards.
        free = _interior(x, bounds) | ((x <= lower + 1e-10) & (g < 0))
        gs = g * s
        if np.max(np.abs(gs[free]), initial=0.0) < tol:
            break
        hf = (prob.hessian(x, g) * np.outer(s, s))[np.ix_(free, free)]
        while lam < 1e12:
            try:
                step = np.linalg.solve(hf + lam * np.diag(np.maximum(np.diag(hf), 1e-8)), gs[free])
            except np.linalg.LinAlgError:
                lam *= 10
                continue
            trial = x.copy()
            trial[free] -= step * s[free]
            trial = _clip_to_bounds(trial, bounds)
            ft, gt = prob.fg(trial)
            if np.isfinite(ft) and ft < f:
                x, f, g = trial, ft, gt
                lam = max(lam / 10, 1e-9)
                break
            lam *= 10
        else:
            break
    return x


def _newton_polish(prob: _Problem, x: np.ndarray, steps: int = 3):
    """Newton steps with a finite-difference Hessian; free interior parameters only.

    Returns x, gradient, Hessian at (or next to) x, number of steps taken.
    """
    bounds = prob.bounds()
    f, g = prob.fg(x)
    hess = prob.hessian(x, g)
    taken = 0
    for _ in range(steps):
        free = _interior(x, bounds)
        if np.max(np.abs(g[free]), initial=0.0) < 1e-8:
            break
        hf = hess[np.ix_(free, free)]
        try:
            np.linalg.cholesky(hf)
        except np.linalg.LinAlgError:
            break
        step = np.zeros_like(x)
        step[free] = np.linalg.solve(hf, g[free])
        xn = _clip_to_bounds(x - step, bounds)
        fn, gn = prob.fg(xn)
        if not np.isfinite(fn) or fn > f + 1e-9 * abs(f):
            break
        x, f, g = xn, fn, gn
        taken += 1
        if np.max(np.abs(step)) > 1e-4 * max(1.0, np.max(np.abs(x))):
            hess = prob.hessian(x, g)
    return x, f, g, hess, taken


def _std_all(prob: _Problem, spec: ModelSpec, est: dict) -> dict:
    """lavaan std.all: regressions and loadings by sd(rhs)/sd(lhs) (total SDs),
    variances by the total variance, covariances by the residual SDs (lavaan's
    cov.std = TRUE), intercepts by the total SD."""
    m = prob.model
    sigma, _, _, c = m.implied()
    psi = m.mx_psi
    lat_cov = c @ psi @ c.T
    total = {v: lat_cov[i, i] for i, v in enumerate(prob.inner)}
    total.update({v: sigma[i, i] for i, v in enumerate(prob.obs)})
    resid = {v: psi[i, i] for i, v in enumerate(prob.inner)}
    resid.update({v: m.mx_theta[i, i] for i, v in enumerate(prob.obs)})
    out = {}
    for p in spec.params:
        e = est[(p.lhs, p.op, p.rhs)]
        if p.op == "~":
            s = e * np.sqrt(total[p.rhs] / total[p.lhs])
        elif p.op == "=~":
            s = e * np.sqrt(total[p.lhs] / total[p.rhs])
        elif p.op == "~1":
            s = e / np.sqrt(total[p.lhs])
        elif p.lhs == p.rhs:
            s = e / total[p.lhs] if total[p.lhs] > 0 else np.nan
        else:
            denom = np.sqrt(resid[p.lhs] * resid[p.rhs])
            s = e / denom if denom > 0 else np.nan
        out[(p.lhs, p.op, p.rhs)] = float(s)
    return out


def fit_model(
    data: pd.DataFrame,
    spec: ModelSpec,
    start=None,
    se: bool = True,
    fit_measures: bool = True,
    max_restarts: int = 4,
    seed: int = 0,
    grad_tol: float = GRAD_TOL,
) -> FitResult:
    """Fit spec to wide data by FIML.

    start: None (moment-based starts), a FitResult or a parameter vector from a
    previous fit of the same spec (warm start, e.g. for bootstrap refits).
    se=False and fit_measures=False skip the Hessian and the h1/baseline models
    (what a bootstrap replicate needs is only .params). grad_tol: convergence
    criterion on the largest absolute gradient of -2 log L; a replicate's point
    estimates need less than the default's precision.
    """
    t0 = time.perf_counter()
    prob = _Problem(data, spec)
    n = prob.pat.n_rows
    if start is None:
        x0 = _start_values(prob, spec)
    else:
        x0 = np.asarray(start.params if isinstance(start, FitResult) else start, dtype=float)
        if x0.shape != (prob.k,):
            raise ValueError(f"start has {x0.size} values; this model has {prob.k} parameters")
    bounds = prob.bounds()
    rng = np.random.default_rng(seed)
    best = None
    attempts = []
    iterations = 0
    x_try = x0
    for attempt in range(1 + max_restarts):
        if attempt == 1:
            # Second try: damped Newton from the best point so far, then L-BFGS-B again.
            x_try = _damped_newton(prob, best[0])
        res = _minimise(prob, x_try, n)
        iterations += int(res.nit)
        if se:
            x, f, g, hess, newton = _newton_polish(prob, res.x)
        else:
            x, (f, g), hess, newton = res.x, prob.fg(res.x), None, 0
        free = _interior(x, bounds)
        gmax = float(np.max(np.abs(g[free]), initial=0.0))
        first = "moment-based" if start is None else "warm (given)"
        label = {0: first, 1: "damped Newton from best"}.get(attempt, f"perturbed best, {attempt}")
        attempts.append({"start": label,
                         "m2ll": float(f), "grad_max": gmax, "lbfgs_message": str(res.message)})
        if best is None or f < best[1] - 1e-9:
            best = (x, f, g, hess, newton, gmax)
        if best[5] < grad_tol:
            break
        # Restart from the best point, jittered (deterministic for a given seed).
        xb = best[0]
        x_try = _clip_to_bounds(xb + 0.1 * rng.standard_normal(prob.k) * np.maximum(np.abs(xb), 0.1), bounds)
    x, f, g, hess, newton, gmax = best
    free = _interior(x, bounds)
    converged = gmax < grad_tol
    sigma, mu, _, _ = prob.model.implied(x)
    loglik = -0.5 * f

    # Heywood cases: variances at or below (bounded at) zero.
    heywood = []
    scale = float(np.max(np.diag(sigma)))
    for i in prob.variance_ids:
        lhs = prob.keys[i][0]
        if x[i] <= HEYWOOD_TOL * scale:
            heywood.append({"parameter": f"{lhs} ~~ {lhs}", "est": float(x[i]),
                            "at_bound": bool(not free[i]), "kind": "variance"})

    vcov = None
    se_vec = np.full(prob.k, np.nan)
    min_eig = None
    if se:
        info = 0.5 * hess[np.ix_(free, free)]
        # A non-positive eigenvalue means the model is not (empirically) identified
        # or not at a maximum: standard errors are then meaningless.
        min_eig = float(np.linalg.eigvalsh(info)[0]) if info.size else None
        v = np.full((prob.k, prob.k), np.nan)
        try:
            v[np.ix_(free, free)] = np.linalg.inv(info)
            se_vec = np.sqrt(np.where(np.diag(v) > 0, np.diag(v), np.nan))
        except np.linalg.LinAlgError:
            pass
        vcov = pd.DataFrame(v, index=prob.names, columns=prob.names)

    # Estimates table in the order of the specification.
    est_by_key = {}
    rows = []
    for p in spec.params:
        i = prob.lookup(p.lhs, p.op, p.rhs)
        if p.fixed is not None:
            e, s = p.fixed, np.nan
        elif i is None:
            raise RuntimeError(f"no semopy parameter for {p.lhs} {p.op} {p.rhs}")
        else:
            e, s = float(x[i]), float(se_vec[i])
        est_by_key[(p.lhs, p.op, p.rhs)] = e
        rows.append({"lhs": p.lhs, "op": p.op, "rhs": "" if p.op == "~1" else p.rhs,
                     "label": p.label or "", "est": e, "se": s})
    prob.model.update_matrices(x)
    std = _std_all(prob, spec, est_by_key)
    est = pd.DataFrame(rows)
    est["z"] = est["est"] / est["se"]
    est["p"] = 2.0 * stats.norm.sf(np.abs(est["z"]))
    est["std_all"] = [std[(p.lhs, p.op, p.rhs)] for p in spec.params]
    # Also improper: free (residual) correlations at +-1.
    for p, r in zip(spec.params, est["std_all"]):
        if p.op == "~~" and p.lhs != p.rhs and p.fixed is None and abs(r) >= 1 - 1e-6:
            heywood.append({"parameter": f"{p.lhs} ~~ {p.rhs}", "est": float(r),
                            "at_bound": False, "kind": "correlation"})

    p_obs = len(prob.obs)
    if fit_measures:
        mu1, s1, ll1, em_iter = fiml.saturated_em(prob.pat)
        _, _, llb = fiml.independence_fit(prob.pat)
        fit = compute_fit_measures(loglik, prob.k, n, p_obs, ll1, llb, sigma, mu, s1, mu1)
    else:
        em_iter = 0
        fit = {"loglik": loglik, "npar": prob.k, "n": n,
               "aic": -2 * loglik + 2 * prob.k, "bic": -2 * loglik + np.log(n) * prob.k}
    fit["n_patterns"] = prob.pat.n_patterns

    diagnostics = {
        "converged": bool(converged),
        "iterations": iterations,
        "newton_steps": int(newton),
        "grad_norm": gmax,
        "grad_norm_definition": "max |d(-2 logL)/d theta| over parameters not at a bound",
        "grad_tol": grad_tol,
        "heywood": heywood,
        "information_min_eigenvalue": min_eig,
        "se_excludes_bound_parameters": [prob.names[i] for i in np.flatnonzero(~free)],
        "optimiser": "L-BFGS-B (scipy) + Newton polish on finite-difference Hessian",
        "attempts": attempts,
        "rows_dropped_all_missing": prob.n_dropped,
        "rows_used": n,
        "n_patterns": prob.pat.n_patterns,
        "em_h1_iterations": em_iter,
        "seconds": time.perf_counter() - t0,
    }
    return FitResult(est, fit, diagnostics, x.copy(), list(prob.names), vcov, sigma, mu, prob.obs)


def lagged_effects(res: FitResult, spec: ModelSpec) -> pd.DataFrame:
    """Within-person lagged effects: outcome, predictor, wave (of the outcome), est,
    se, z, p, std_all. With time-invariant lags the unstandardised effect is the
    same at every wave but std_all is not (the within variances change)."""
    rev = {}
    for (out, pred), labels in spec.lagged.items():
        for lab in [labels] if isinstance(labels, str) else labels:
            rev[lab] = (out, pred)
    e = res.estimates
    rows = e[(e["op"] == "~") & e["label"].isin(list(rev))].copy()
    rows.insert(0, "outcome", [rev[lab][0] for lab in rows["label"]])
    rows.insert(1, "predictor", [rev[lab][1] for lab in rows["label"]])
    rows.insert(2, "wave", [int(lhs[len(f"w_{o}"):]) for lhs, o in zip(rows["lhs"], rows["outcome"])])
    return rows[["outcome", "predictor", "wave", "label", "est", "se", "z", "p", "std_all"]].reset_index(drop=True)


def ri_correlations(res: FitResult, spec: ModelSpec) -> pd.DataFrame:
    """Between-person part: random-intercept covariances with their correlations
    (std_all); empty for the CLPM."""
    e = res.estimates
    ri = e[(e["op"] == "~~") & e["lhs"].str.startswith("RI_") & e["rhs"].str.startswith("RI_")]
    return ri[["lhs", "rhs", "est", "se", "std_all"]].rename(columns={"std_all": "corr"}).reset_index(drop=True)


class Refitter:
    """Warm-started refits of one spec on resamples of one data set (bootstrap replicates).

    A resample only repeats or omits rows, so its likelihood is that of the original
    rows weighted by their counts: the semopy model is built once, and a refit is
    a handful of quasi-Newton steps from the start, whose first curvature is the
    full-sample Hessian (a resample's differs by O(1/sqrt(N))), refined by BFGS.
    When these steps do not converge, the refit falls back to fit_model on the
    resampled rows, so every answer is one fit_model would accept.
    """

    # Steps are cheap near the optimum: go on to a gradient well below grad_tol, as
    # fit_model's L-BFGS-B also does before it stalls, so both give the same answer.
    TIGHT = 0.1
    MAX_STEPS = 20
    MAX_HALVINGS = 6

    def __init__(self, data: pd.DataFrame, spec: ModelSpec, start, grad_tol: float = GRAD_TOL):
        self.data, self.spec, self.start, self.grad_tol = data, spec, start, grad_tol
        self.prob = _Problem(data, spec)
        self.y = data[self.prob.obs].to_numpy(dtype=float)  # semopy's variable order
        self.observed = np.isfinite(self.y)
        x0 = np.asarray(start.params if isinstance(start, FitResult) else start, dtype=float)
        if x0.shape != (self.prob.k,):
            raise ValueError(f"start has {x0.size} values; this model has {self.prob.k} parameters")
        self.x0 = x0
        bounds = self.prob.bounds()
        self.lower = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
        self.upper = np.array([np.inf if b[1] is None else b[1] for b in bounds])
        self.h0_inv = None  # None: every refit falls back
        if np.all(_interior(x0, bounds)):
            # Per row: a resample of n rows has about n times this curvature.
            hess = self.prob.hessian(x0) / self.prob.pat.n_rows
            try:
                np.linalg.cholesky(hess)
                self.h0_inv = np.linalg.inv(hess)
                self.h0_inv = 0.5 * (self.h0_inv + self.h0_inv.T)
            except np.linalg.LinAlgError:
                pass

    def refit(self, rows: np.ndarray) -> tuple[np.ndarray, bool, bool]:
        """Parameters for the data's rows `rows` (with repeats); converged; whether
        the quasi-Newton path (True) or fit_model (False) gave them."""
        counts = np.bincount(rows, minlength=len(self.y)).astype(float)
        x = self._quasi_newton(counts)
        if x is not None:
            return x, True, True
        fit = fit_model(self.data.iloc[rows].reset_index(drop=True), self.spec, start=self.start,
                        se=False, fit_measures=False, grad_tol=self.grad_tol)
        return fit.params, bool(fit.diagnostics["converged"]), False

    def _quasi_newton(self, counts: np.ndarray) -> np.ndarray | None:
        if self.h0_inv is None:
            return None
        if np.any(counts @ self.observed < 2):
            return None  # fit_model raises its own error for this
        pat = fiml.patterns_from_array(self.y, counts)
        model = self.prob.model
        model.patterns = pat
        try:
            return self._steps(model, pat.n_rows)
        finally:
            model.patterns = self.prob.pat

    def _steps(self, model, n: int) -> np.ndarray | None:
        x = self.x0.copy()
        f, g = model.obj_grad_fiml(x)
        if not np.isfinite(f):
            return None
        h_inv = self.h0_inv / n
        for _ in range(self.MAX_STEPS):
            if np.max(np.abs(g)) < self.TIGHT * self.grad_tol:
                break
            step = -h_inv @ g
            slope = g @ step
            if not slope < 0:
                return None
            t = 1.0
            for _ in range(self.MAX_HALVINGS + 1):
                xn = x + t * step
                # A parameter at a bound needs L-BFGS-B's handling: leave it to fit_model.
                if np.all((xn > self.lower + 1e-10) & (xn < self.upper - 1e-10)):
                    fn, gn = model.obj_grad_fiml(xn)
                    # Slack for rounding: near the optimum, f changes in its last digits only.
                    if np.isfinite(fn) and fn <= f + 1e-4 * t * slope + 1e-12 * abs(f):
                        break
                t *= 0.5
            else:
                return None
            s, yv = xn - x, gn - g
            sy = s @ yv
            # Without positive curvature along the step, BFGS would lose positive definiteness.
            if sy > 1e-12 * np.sqrt((s @ s) * (yv @ yv)):
                hy = h_inv @ yv
                rho = 1.0 / sy
                h_inv = (h_inv - rho * (np.outer(s, hy) + np.outer(hy, s))
                         + (rho * rho * (yv @ hy) + rho) * np.outer(s, s))
            x, f, g = xn, fn, gn
        if np.max(np.abs(g)) >= self.grad_tol:
            return None
        return x
