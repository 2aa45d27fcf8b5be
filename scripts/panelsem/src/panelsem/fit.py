"""Fit a ModelSpec by FIML with a mean structure, as lavaan's
lavaan(model, data, missing = "ml", meanstructure = TRUE) does:

- estimates: optimise.optimise (L-BFGS-B, Newton polish, rescue, and a multi-start
  search when the first run ends unconverged or improper); free lagged effects start
  from the solution with the lags held equal over time, itself started from
  moment-based values;
- standard errors: observed information (lavaan's default under missing = "ml"),
  the inverse of half the exact Hessian of -2 log L over all free parameters, those
  at a bound included, which is what lavaan reports with bounds = "pos.var"; or
  se="robust": the sandwich of lavaan's estimator = "MLR" (robust.py), with its
  Yuan-Bentler scaled test statistic and scaled fit measures;
- std_all: lavaan's standardizedSolution(type = "std.all") conventions;
- fit measures: fit_measures.py;
- improper solutions: variances at or below zero, correlations at +-1, and (as
  lavaan warns) an implied latent covariance matrix that is not positive definite.

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
from panelsem.model import Matrices
from panelsem.optimise import GRAD_TOL, Optimum, interior, optimise
from panelsem.problem import FIMLProblem, Problem
from panelsem.results import FitResult, wald
from panelsem.spec import ModelSpec

HEYWOOD_TOL = 1e-6  # relative to the largest implied variance
# lavaan's test of a positive definite latent covariance: no eigenvalue below -eps^(3/4).
PD_TOL = float(np.finfo(float).eps) ** 0.75
SE_TYPES = ("standard", "robust")


def as_start(start, k: int) -> np.ndarray:
    """A start vector from a FitResult or an array; its length must be the model's."""
    x0 = np.asarray(start.params if isinstance(start, FitResult) else start, dtype=float)
    if x0.shape != (k,):
        raise ValueError(f"start has {x0.size} values; this model has {k} parameters")
    return x0


def covariance(hessian: np.ndarray) -> tuple[np.ndarray, float | None]:
    """Covariance matrix of the estimates from the Hessian of -2 log L (the inverse of
    the information, half the Hessian), and the information's smallest eigenvalue.

    All free parameters take part, those at a bound too, as in lavaan with bounds =
    "pos.var". A non-positive eigenvalue means the model is not (empirically)
    identified or not at a maximum: the standard errors are then meaningless.
    """
    k = len(hessian)
    info = 0.5 * hessian
    finite = bool(info.size) and bool(np.all(np.isfinite(info)))
    min_eig = float(np.linalg.eigvalsh(info)[0]) if finite else None
    v = np.full((k, k), np.nan)
    if finite:
        try:
            v = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            pass
    return 0.5 * (v + v.T), min_eig


def improper_solution(prob: FIMLProblem, x: np.ndarray, free: np.ndarray | None = None, where: str = "") -> list:
    """Heywood cases at x: variances at or below zero (relative to the largest implied
    variance), free covariances whose correlation reaches +-1, and an implied latent
    covariance matrix (C Psi C') that is not positive definite. free: which
    parameters are inside their bounds (for at_bound)."""
    mx = prob.matrices
    sigma, _, _, c = mx.implied(x)
    scale = float(np.max(np.diag(sigma)))
    out = []
    for i in prob.variance_ids:
        if x[i] <= HEYWOOD_TOL * scale:
            lhs = prob.keys[i][0]
            out.append({"parameter": f"{lhs} ~~ {lhs}{where}", "est": float(x[i]),
                        "at_bound": bool(free is not None and not free[i]), "kind": "variance"})
    lat_cov = c @ mx.psi @ c.T
    resid = {v: mx.psi[i, i] for i, v in enumerate(mx.latent)}
    resid.update({v: mx.theta[i, i] for i, v in enumerate(mx.observed)})
    for p in prob.spec.params:
        if p.op == "~~" and p.lhs != p.rhs and p.fixed is None:
            denom = np.sqrt(resid[p.lhs] * resid[p.rhs]) if resid[p.lhs] > 0 and resid[p.rhs] > 0 else 0.0
            e = x[prob.lookup(p.lhs, p.op, p.rhs)]
            if denom > 0 and abs(e / denom) >= 1 - 1e-6:
                out.append({"parameter": f"{p.lhs} ~~ {p.rhs}{where}", "est": float(e / denom),
                            "at_bound": False, "kind": "correlation"})
    for name, m in (("latent", lat_cov), ("residual", mx.theta)):
        if m.size:
            eig = np.linalg.eigvalsh(m)
            if eig[0] < -PD_TOL * max(1.0, float(np.max(np.abs(eig)))):
                out.append({"parameter": f"{name} covariance matrix{where}", "est": float(eig[0]),
                            "at_bound": False, "kind": "not positive definite"})
    return out


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
             se: bool | str, fit_measures: bool, grad_tol: float, t0: float, extra_diagnostics=None) -> FitResult:
    """The FitResult of an optimum. parts: per group (None for a single group), its
    FIMLProblem and the positions of its parameters in the problem's vector.
    se: False, True or "standard" (observed information), or "robust" (sandwich)."""
    se = se_type(se)
    x = opt.x
    bounds = problem.bounds()
    free = interior(x, bounds)
    multigroup = parts[0][0] is not None
    vcov, min_eig, se_vec = None, None, np.full(problem.k, np.nan)
    robust_parts = None
    if se:
        v, min_eig = covariance(opt.hessian)
        if se == "robust":
            if multigroup:
                raise NotImplementedError("robust standard errors for multigroup fits")
            from panelsem import robust

            robust_parts = robust.sandwich(parts[0][1], x, opt.hessian)
            v = robust_parts["vcov"]
        se_vec = np.sqrt(np.where(np.diag(v) > 0, np.diag(v), np.nan))
        vcov = pd.DataFrame(v, index=problem.names, columns=problem.names)

    rows, heywood = [], []
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
        heywood += improper_solution(prob, xg, free[ix], f" [{group}]" if multigroup else "")
        std = std_all(prob, xg, est_by_key)
        for row, p in zip(group_rows, prob.spec.params):
            row["std_all"] = std[(p.lhs, p.op, p.rhs)]
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
        # EM from the fitted model's moments, which lie close to the h1 estimates.
        mu1, s1, ll1, em_iter = fiml.saturated_em(prob.pat, start=(mu, sigma))
        mub, varb, llb = fiml.independence_fit(prob.pat)
        fit = compute_fit_measures(loglik, problem.k, n, len(prob.obs), ll1, llb, sigma, mu, s1, mu1)
        if robust_parts is not None:
            from panelsem import robust

            fit.update(robust.scaled_fit_measures(prob, fit, robust_parts, (mu1, s1), (mub, varb)))
    else:
        fit = {"loglik": loglik, "npar": problem.k, "n": n, **information_criteria(loglik, problem.k, n)}
        if fit_measures:
            # Saturated model per group (EM): chi-square against the joint h1, as lavaan.
            ll1 = 0.0
            for _, prob, ix in parts:
                sigma_g, mu_g, _, _ = prob.matrices.implied(x[ix])
                ll1 += fiml.saturated_em(prob.pat, start=(mu_g, sigma_g))[2]
            p_obs = len(parts[0][1].obs)
            df = len(parts) * (p_obs + p_obs * (p_obs + 1) // 2) - problem.k
            chisq = max(2.0 * (ll1 - loglik), 0.0)
            fit.update({"loglik_h1": ll1, "chisq": chisq, "df": df,
                        "pvalue": chi2_sf(chisq, df) if df > 0 else float("nan")})
    fit["n_patterns"] = sum(prob.pat.n_patterns for _, prob, _ in parts)

    diagnostics = {
        "converged": bool(opt.converged),
        "iterations": opt.iterations,
        "newton_steps": opt.newton_steps,
        "grad_norm": opt.grad_max,
        "grad_norm_definition": "max |d(-2 logL)/d theta| over parameters not at a bound",
        "grad_tol": grad_tol,
        "heywood": heywood,
        "improper": bool(heywood),
        "information_min_eigenvalue": min_eig,
        "at_bound": [problem.names[i] for i in np.flatnonzero(~free)],
        "se": se or "none",
        "se_definition": SE_DEFINITION[se or "none"],
        "optimiser": "L-BFGS-B (scipy) + Newton polish on the exact Hessian",
        "attempts": opt.attempts,
        "starts": opt.starts,
        "starts_reaching_best": opt.reached_best,
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


SE_DEFINITION = {
    "none": "not computed",
    "standard": "observed information (exact Hessian of -2 logL) over all free parameters, those at a bound "
                "included (lavaan, bounds = 'pos.var')",
    "robust": "sandwich H^-1 B H^-1 of lavaan's MLR (missing = 'ml'): H the observed information, B the outer "
              "product of the rows' scores at the estimates, all free parameters included",
}


def se_type(se: bool | str) -> str | bool:
    """False, or the kind of standard errors: True means "standard"."""
    if se is True:
        return "standard"
    if se is False or se is None:
        return False
    if se not in SE_TYPES:
        raise ValueError(f"se must be one of {SE_TYPES}, True or False, not {se!r}")
    return se


def start_from(fit: FitResult, spec: ModelSpec, rename: dict[str, str] | None = None) -> np.ndarray:
    """A start vector for spec from a fit of a model nested in it, matched by parameter
    name (rename: a name of spec's -> the fit's); parameters the fit lacks start at 0."""
    have = dict(zip(fit.param_names, fit.params))
    names = Matrices(spec).names
    return np.array([have.get((rename or {}).get(name, name), 0.0) for name in names])


def fit_model(data: pd.DataFrame, spec: ModelSpec, start=None, se: bool | str = True, fit_measures: bool = True,
              max_restarts: int = 4, seed: int = 0, grad_tol: float = GRAD_TOL) -> FitResult:
    """Fit spec to wide data (one row per person, columns spec.observed) by FIML.

    start: None (moment-based starts; with free lagged effects, the solution of the
    model with the lags held equal over time, itself from moment-based starts), a
    FitResult or a parameter vector from a previous fit of the same spec (a warm
    start). When that run does not converge or ends improper, further starts are
    tried (optimise.optimise) and the best optimum kept; diagnostics say how many
    starts reached it. se: True or "standard" (observed information), "robust"
    (MLR sandwich, with the scaled test statistic among the fit measures), or False;
    se=False and fit_measures=False skip the Hessian and the h1/baseline models (a
    bootstrap replicate needs only .params). grad_tol: convergence criterion on the
    largest absolute gradient of -2 log L over parameters not at a bound.
    """
    t0 = time.perf_counter()
    se = se_type(se)
    prob = FIMLProblem(data, spec)
    if start is not None:
        x0, label = as_start(start, prob.k), "warm (given)"
    elif spec.lags_invariant:
        x0, label = prob.start_values(), "moment-based"
    else:
        invariant = fit_model(data, spec.with_invariant_lags(), se=False, fit_measures=False,
                              max_restarts=max_restarts, seed=seed, grad_tol=grad_tol)
        x0, label = start_from(invariant, spec, spec.invariant_label()), "invariant-lag solution"

    def candidates():
        first = [] if label == "moment-based" else [("moment-based", prob.start_values())]
        return first + prob.start_candidates()

    opt = optimise(prob, x0, polish=bool(se), max_restarts=max_restarts, seed=seed, grad_tol=grad_tol,
                   start_label=label, candidates=candidates,
                   improper=lambda x: bool(improper_solution(prob, x)))
    return assemble(prob, [(None, prob, np.arange(prob.k))], opt, se, fit_measures, grad_tol, t0)
