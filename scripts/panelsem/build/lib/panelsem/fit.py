"""Fit a ModelSpec by FIML with a mean structure, as lavaan's
lavaan(model, data, missing = "ml", meanstructure = TRUE) does:

- estimates: optimise.optimise (L-BFGS-B, Newton polish, rescue and restarts);
- standard errors: observed information (lavaan's default under missing = "ml"),
  the inverse of half the Hessian of -2 log L, over the parameters not at a bound;
- std_all: lavaan's standardizedSolution(type = "std.all") conventions;
- fit measures: fit_measures.py;
- improper solutions: variances at or below zero, correlations at +-1.

assemble() turns any Problem's optimum into a FitResult, so single-group fits here
and joint multigroup fits (multigroup.py) share it.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from panelsem import fiml
from panelsem.fit_measures import chi2_sf, information_criteria
from panelsem.fit_measures import fit_measures as compute_fit_measures
from panelsem.optimise import GRAD_TOL, Optimum, interior, optimise
from panelsem.problem import FIMLProblem, Problem
from panelsem.results import FitResult, wald
from panelsem.spec import ModelSpec

HEYWOOD_TOL = 1e-6  # relative to the largest implied variance


def as_start(start, k: int) -> np.ndarray:
    """A start vector from a FitResult or an array; its length must be the model's."""
    x0 = np.asarray(start.params if isinstance(start, FitResult) else start, dtype=float)
    if x0.shape != (k,):
        raise ValueError(f"start has {x0.size} values; this model has {k} parameters")
    return x0


def covariance(hessian: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, float | None]:
    """Covariance matrix of the estimates (NaN for parameters at a bound) from the
    Hessian of -2 log L, and the smallest eigenvalue of the information matrix.

    A non-positive eigenvalue means the model is not (empirically) identified or not
    at a maximum: the standard errors are then meaningless.
    """
    k = len(free)
    info = 0.5 * hessian[np.ix_(free, free)]
    finite = bool(info.size) and bool(np.all(np.isfinite(info)))
    min_eig = float(np.linalg.eigvalsh(info)[0]) if finite else None
    v = np.full((k, k), np.nan)
    if finite:
        try:
            v[np.ix_(free, free)] = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            pass
    return v, min_eig


def std_all(prob: FIMLProblem, x: np.ndarray, est: dict) -> dict:
    """lavaan std.all: regressions and loadings by sd(rhs)/sd(lhs) (total SDs),
    variances by the total variance, covariances by the residual SDs (lavaan's
    cov.std = TRUE), intercepts by the total SD."""
    mx = prob.matrices
    sigma, _, _, c = mx.implied(x)
    lat_cov = c @ mx.psi @ c.T
    total = {v: lat_cov[i, i] for i, v in enumerate(mx.latent)}
    total.update({v: sigma[i, i] for i, v in enumerate(mx.observed)})
    resid = {v: mx.psi[i, i] for i, v in enumerate(mx.latent)}
    resid.update({v: mx.theta[i, i] for i, v in enumerate(mx.observed)})
    out = {}
    for p in prob.spec.params:
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


def assemble(problem: Problem, parts: list[tuple[str | None, FIMLProblem, np.ndarray]], opt: Optimum,
             se: bool, fit_measures: bool, grad_tol: float, t0: float, extra_diagnostics=None) -> FitResult:
    """The FitResult of an optimum. parts: per group (None for a single group), its
    FIMLProblem and the positions of its parameters in the problem's vector."""
    x = opt.x
    bounds = problem.bounds()
    free = interior(x, bounds)
    vcov, min_eig, se_vec = None, None, np.full(problem.k, np.nan)
    if se:
        v, min_eig = covariance(opt.hessian, free)
        se_vec = np.sqrt(np.where(np.diag(v) > 0, np.diag(v), np.nan))
        vcov = pd.DataFrame(v, index=problem.names, columns=problem.names)

    multigroup = parts[0][0] is not None
    rows, heywood, flagged = [], [], set()
    sigma = mu = None
    for group, prob, ix in parts:
        xg = x[ix]
        est_by_key, group_rows = {}, []
        for p in prob.spec.params:
            i = prob.lookup(p.lhs, p.op, p.rhs)
            if p.fixed is not None:
                e, s, name = p.fixed, np.nan, ""
            elif i is None:
                raise RuntimeError(f"no parameter for {p.lhs} {p.op} {p.rhs}")
            else:
                e, s, name = float(xg[i]), float(se_vec[ix[i]]), problem.names[ix[i]]
            est_by_key[(p.lhs, p.op, p.rhs)] = e
            row = {"lhs": p.lhs, "op": p.op, "rhs": "" if p.op == "~1" else p.rhs, "label": p.label or ""}
            if multigroup:
                row = {"group": group, **row, "name": name}
            group_rows.append({**row, "est": e, "se": s})
        sigma_g, mu_g, _, _ = prob.matrices.implied(xg)
        if not multigroup:
            sigma, mu = sigma_g, mu_g
        scale = float(np.max(np.diag(sigma_g)))
        where = f" [{group}]" if multigroup else ""
        # Heywood cases: variances at or below (bounded at) zero.
        for i in prob.variance_ids:
            j = int(ix[i])
            if xg[i] <= HEYWOOD_TOL * scale and j not in flagged:
                flagged.add(j)
                lhs = prob.keys[i][0]
                heywood.append({"parameter": f"{lhs} ~~ {lhs}{where}", "est": float(xg[i]),
                                "at_bound": bool(not free[j]), "kind": "variance"})
        std = std_all(prob, xg, est_by_key)
        for row, p in zip(group_rows, prob.spec.params):
            row["std_all"] = std[(p.lhs, p.op, p.rhs)]
            # Also improper: free (residual) correlations at +-1.
            if p.op == "~~" and p.lhs != p.rhs and p.fixed is None and abs(row["std_all"]) >= 1 - 1e-6:
                heywood.append({"parameter": f"{p.lhs} ~~ {p.rhs}{where}", "est": float(row["std_all"]),
                                "at_bound": False, "kind": "correlation"})
        rows += group_rows
    est = pd.DataFrame(rows)
    z_p = wald(est["est"], est["se"])
    std_col = est.pop("std_all")
    est["z"], est["p"] = z_p["z"], z_p["p"]
    est["std_all"] = std_col

    loglik = -0.5 * opt.f
    n = problem.n
    em_iter = 0
    if fit_measures and not multigroup:
        prob = parts[0][1]
        mu1, s1, ll1, em_iter = fiml.saturated_em(prob.pat)
        _, _, llb = fiml.independence_fit(prob.pat)
        fit = compute_fit_measures(loglik, problem.k, n, len(prob.obs), ll1, llb, sigma, mu, s1, mu1)
    else:
        fit = {"loglik": loglik, "npar": problem.k, "n": n, **information_criteria(loglik, problem.k, n)}
        if fit_measures:
            # Saturated model per group (EM): chi-square against the joint h1, as lavaan.
            ll1 = sum(fiml.saturated_em(prob.pat)[2] for _, prob, _ in parts)
            p_obs = len(parts[0][1].obs)
            df = len(parts) * (p_obs + p_obs * (p_obs + 1) // 2) - problem.k
            chisq = max(2.0 * (ll1 - loglik), 0.0)
            fit.update({"loglik_h1": ll1, "chisq": chisq, "df": df, "pvalue": chi2_sf(chisq, df)})
    fit["n_patterns"] = sum(prob.pat.n_patterns for _, prob, _ in parts)

    diagnostics = {
        "converged": bool(opt.converged),
        "iterations": opt.iterations,
        "newton_steps": opt.newton_steps,
        "grad_norm": opt.grad_max,
        "grad_norm_definition": "max |d(-2 logL)/d theta| over parameters not at a bound",
        "grad_tol": grad_tol,
        "heywood": heywood,
        "information_min_eigenvalue": min_eig,
        "se_excludes_bound_parameters": [problem.names[i] for i in np.flatnonzero(~free)],
        "optimiser": "L-BFGS-B (scipy) + Newton polish on finite-difference Hessian",
        "attempts": opt.attempts,
        "rows_dropped_all_missing": sum(prob.n_dropped for _, prob, _ in parts),
        "rows_used": n,
        "n_patterns": fit["n_patterns"],
        "em_h1_iterations": em_iter,
        **(extra_diagnostics or {}),
        "seconds": time.perf_counter() - t0,
    }
    if multigroup:
        return FitResult(est, fit, diagnostics, x.copy(), list(problem.names), vcov,
                         groups=[g for g, _, _ in parts])
    return FitResult(est, fit, diagnostics, x.copy(), list(problem.names), vcov,
                     sigma=sigma, mu=mu, observed=list(parts[0][1].obs))


def fit_model(data: pd.DataFrame, spec: ModelSpec, start=None, se: bool = True, fit_measures: bool = True,
              max_restarts: int = 4, seed: int = 0, grad_tol: float = GRAD_TOL) -> FitResult:
    """Fit spec to wide data (one row per person, columns spec.observed) by FIML.

    start: None (moment-based starts), a FitResult or a parameter vector from a
    previous fit of the same spec (a warm start). se=False and fit_measures=False
    skip the Hessian and the h1/baseline models (a bootstrap replicate needs only
    .params). grad_tol: convergence criterion on the largest absolute gradient of
    -2 log L over parameters not at a bound.
    """
    t0 = time.perf_counter()
    prob = FIMLProblem(data, spec)
    x0 = prob.start_values() if start is None else as_start(start, prob.k)
    opt = optimise(prob, x0, polish=se, max_restarts=max_restarts, seed=seed, grad_tol=grad_tol,
                   start_label="moment-based" if start is None else "warm (given)")
    return assemble(prob, [(None, prob, np.arange(prob.k))], opt, se, fit_measures, grad_tol, t0)
