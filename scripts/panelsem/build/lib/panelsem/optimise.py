"""The optimiser: one strategy for every Problem (problem.py), single-group or joint.

- L-BFGS-B on -2 log L / N in scaled parameters, variances bounded at 0;
- Newton steps on the (finite-difference) Hessian to polish the optimum, when
  standard errors are wanted (they need the Hessian anyway);
- if the largest gradient over parameters not at a bound is not below grad_tol:
  a damped-Newton (Levenberg-Marquardt) rescue from the best point, L-BFGS-B again,
  then restarts from jittered copies of the best point; the highest likelihood wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from panelsem.problem import Problem

# Convergence: largest absolute gradient of -2 log L over parameters not at a
# bound. A change of 1e-3 in -2 log L per unit parameter is far below any
# reported precision; lavaan's own optimiser stops at a comparable point.
GRAD_TOL = 1e-3

# L-BFGS-B's first trial step has unit length in the scaled parameters. At one SD
# per parameter it leaves the positive-definite region from a warm start on
# resampled data, and scipy's L-BFGS-B then stops instead of backtracking.
FIRST_STEP = 0.1


def lower_upper(bounds) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    return lo, hi


def clip_to_bounds(x, bounds):
    return np.clip(x, *lower_upper(bounds))


def interior(x, bounds, tol=1e-10) -> np.ndarray:
    """Which parameters are strictly inside their bounds."""
    return np.array(
        [
            (b[0] is None or xi > b[0] + tol) and (b[1] is None or xi < b[1] - tol)
            for xi, b in zip(x, bounds)
        ]
    )


def grad_max(x, g, bounds) -> float:
    """Largest absolute gradient over the parameters not at a bound."""
    return float(np.max(np.abs(g[interior(x, bounds)]), initial=0.0))


def minimise(problem: Problem, x0: np.ndarray):
    """L-BFGS-B on -2 log L / N in scaled parameters z = x / (FIRST_STEP * scale)."""
    n = problem.n
    s = problem.scale * FIRST_STEP
    bounds = [
        (None if lo is None else lo / si, None if hi is None else hi / si)
        for (lo, hi), si in zip(problem.bounds(), s)
    ]

    def fun(z):
        f, g = problem.fg(z * s)
        if not np.isfinite(f):
            return np.inf, np.zeros_like(z)
        return f / n, g * s / n

    res = optimize.minimize(
        fun,
        clip_to_bounds(x0 / s, bounds),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 20000, "maxfun": 40000, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 30},
    )
    res.x = res.x * s
    return res


def damped_newton(problem: Problem, x: np.ndarray, max_iter: int = 200, tol: float = 1e-6):
    """Levenberg-Marquardt steps in scaled parameters, taking only finite, decreasing steps.

    The fallback when L-BFGS-B stalls: on small samples its first unit step leaves
    the region where the implied covariance is positive definite, and the line
    search gives up at the start values. Damping shrinks the step until it stays inside.
    """
    bounds = problem.bounds()
    lower, _ = lower_upper(bounds)
    s = problem.scale
    f, g = problem.fg(x)
    lam = 1e-3
    for _ in range(max_iter):
        # Free: interior, or on the lower bound with the gradient pointing inwards.
        free = interior(x, bounds) | ((x <= lower + 1e-10) & (g < 0))
        gs = g * s
        if np.max(np.abs(gs[free]), initial=0.0) < tol:
            break
        hf = (problem.hessian(x, g) * np.outer(s, s))[np.ix_(free, free)]
        while lam < 1e12:
            try:
                step = np.linalg.solve(hf + lam * np.diag(np.maximum(np.diag(hf), 1e-8)), gs[free])
            except np.linalg.LinAlgError:
                lam *= 10
                continue
            trial = x.copy()
            trial[free] -= step * s[free]
            trial = clip_to_bounds(trial, bounds)
            ft, gt = problem.fg(trial)
            if np.isfinite(ft) and ft < f:
                x, f, g = trial, ft, gt
                lam = max(lam / 10, 1e-9)
                break
            lam *= 10
        else:
            break
    return x


def newton_polish(problem: Problem, x: np.ndarray, steps: int = 3):
    """Newton steps with a finite-difference Hessian; free interior parameters only.

    Returns x, -2 log L, gradient, Hessian at (or next to) x, number of steps taken.
    """
    bounds = problem.bounds()
    f, g = problem.fg(x)
    hess = problem.hessian(x, g)
    taken = 0
    for _ in range(steps):
        free = interior(x, bounds)
        if np.max(np.abs(g[free]), initial=0.0) < 1e-8:
            break
        hf = hess[np.ix_(free, free)]
        try:
            np.linalg.cholesky(hf)
        except np.linalg.LinAlgError:
            break
        step = np.zeros_like(x)
        step[free] = np.linalg.solve(hf, g[free])
        xn = clip_to_bounds(x - step, bounds)
        fn, gn = problem.fg(xn)
        if not np.isfinite(fn) or fn > f + 1e-9 * abs(f):
            break
        x, f, g = xn, fn, gn
        taken += 1
        if np.max(np.abs(step)) > 1e-4 * max(1.0, np.max(np.abs(x))):
            hess = problem.hessian(x, g)
    return x, f, g, hess, taken


@dataclass
class Optimum:
    """The best point found: x, -2 log L, gradient, Hessian (None without polishing)."""

    x: np.ndarray
    f: float
    g: np.ndarray
    hessian: np.ndarray | None
    grad_max: float
    converged: bool
    iterations: int
    newton_steps: int
    attempts: list = field(default_factory=list)


def optimise(problem: Problem, x0: np.ndarray, polish: bool = True, max_restarts: int = 4,
             seed: int = 0, grad_tol: float = GRAD_TOL, start_label: str = "given") -> Optimum:
    """Maximise the likelihood from x0; see the module docstring for the strategy.

    polish=False skips the Newton polish and with it the Hessian (point estimates
    only, e.g. a bootstrap replicate). Restarts are jittered deterministically by seed.
    """
    bounds = problem.bounds()
    rng = np.random.default_rng(seed)
    best = None
    attempts = []
    iterations = 0
    x_try = x0
    for attempt in range(1 + max_restarts):
        if attempt == 1:
            # Second try: damped Newton from the best point so far, then L-BFGS-B again.
            x_try = damped_newton(problem, best[0])
        res = minimise(problem, x_try)
        iterations += int(res.nit)
        if polish:
            x, f, g, hess, newton = newton_polish(problem, res.x)
        else:
            x, (f, g), hess, newton = res.x, problem.fg(res.x), None, 0
        gmax = grad_max(x, g, bounds)
        label = {0: start_label, 1: "damped Newton from best"}.get(attempt, f"perturbed best, {attempt}")
        attempts.append({"start": label, "m2ll": float(f), "grad_max": gmax, "lbfgs_message": str(res.message)})
        if best is None or f < best[1] - 1e-9:
            best = (x, f, g, hess, newton, gmax)
        if best[5] < grad_tol:
            break
        # Restart from the best point, jittered (deterministic for a given seed).
        xb = best[0]
        x_try = clip_to_bounds(xb + 0.1 * rng.standard_normal(problem.k) * np.maximum(np.abs(xb), 0.1), bounds)
    x, f, g, hess, newton, gmax = best
    return Optimum(x, f, g, hess, gmax, gmax < grad_tol, iterations, int(newton), attempts)
