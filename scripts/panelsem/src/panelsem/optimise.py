"""The optimiser: one strategy for every Problem (problem.py), single-group or joint.

- L-BFGS-B on -2 log L / N in scaled parameters, variances bounded at 0;
- Newton steps on the (exact) Hessian to polish the optimum, when
  standard errors are wanted (they need the Hessian anyway);
- if the largest gradient over parameters not at a bound is not below grad_tol:
  a trust-region Newton rescue from the best point, L-BFGS-B again;
- if that still fails, or the optimum is improper (a caller's test: a variance at
  its bound, a correlation beyond +-1), a multi-start search: L-BFGS-B from further
  starts and from jittered copies of the best point, the best end polished (and
  rescued) as the first; the highest likelihood wins, and the result says how many
  starts reached it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from panelsem.problem import Problem

# Convergence: largest absolute gradient of -2 log L over parameters not at a
# bound. A change of 1e-3 in -2 log L per unit parameter is far below any
# reported precision; lavaan's own optimiser stops at a comparable point.
GRAD_TOL = 1e-3

# Two runs end at the same optimum when their -2 log L differ by less than this.
SAME_OPTIMUM = 1e-4

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


def trust_region_step(hess: np.ndarray, g: np.ndarray, radius: float) -> np.ndarray:
    """The minimiser of g'p + p'Hp/2 over |p| <= radius (Moré and Sorensen): the Newton
    step if it is inside and H positive definite, else (H + lam I)^-1 g on the
    boundary, with lam above -(smallest eigenvalue); in the hard case, plus a multiple
    of the eigenvector of the smallest eigenvalue."""
    lam, vec = np.linalg.eigh(hess)
    gv = vec.T @ g
    if lam[0] > 0:
        p = -gv / lam
        if np.linalg.norm(p) <= radius:
            return vec @ p
    lo = max(0.0, -lam[0])

    def length(mu):
        return np.linalg.norm(gv / (lam + mu))

    shift = lo * 1e-12 + 1e-300
    if length(lo + shift) <= radius:
        # Hard case: g has (almost) nothing along the lowest eigenvectors.
        p = -gv / np.where(lam + lo > shift, lam + lo, np.inf)
        tau = np.sqrt(max(radius**2 - p @ p, 0.0))
        p[0] += tau
        return vec @ p
    hi = lo + np.linalg.norm(g) / radius + abs(lam[-1])
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if length(mid) > radius:
            lo = mid
        else:
            hi = mid
    return vec @ (-gv / (lam + hi))


def trust_region(problem: Problem, x: np.ndarray, max_iter: int = 50, tol: float = 1e-6):
    """Trust-region Newton steps on the exact Hessian in scaled parameters, variances
    kept at their bounds by projection: the rescue when L-BFGS-B stalls.

    L-BFGS-B stops where its line search finds no decrease: at saddles of the
    likelihood (negative curvature, which these steps follow) and where its first
    step leaves the region where the implied covariance is positive definite (on
    small samples, from the start values); a rejected step shrinks the region until
    it stays inside.
    """
    bounds = problem.bounds()
    lower, _ = lower_upper(bounds)
    s = problem.scale
    f, g = problem.fg(x)
    if not np.isfinite(f):
        return x
    radius = 1.0
    for _ in range(max_iter):
        # Free: interior, or on the lower bound with the gradient pointing inwards.
        free = interior(x, bounds) | ((x <= lower + 1e-10) & (g < 0))
        gs = (g * s)[free]
        if np.max(np.abs(gs), initial=0.0) < tol or radius < 1e-10:
            break
        hs = (problem.hessian(x, g) * np.outer(s, s))[np.ix_(free, free)]
        if not np.all(np.isfinite(hs)):
            break
        trial = x.copy()
        trial[free] += trust_region_step(hs, gs, radius) * s[free]
        trial = clip_to_bounds(trial, bounds)
        step = ((trial - x) / s)[free]
        predicted = -(gs @ step + 0.5 * step @ hs @ step)
        ft, gt = problem.fg(trial)
        ratio = (f - ft) / predicted if np.isfinite(ft) and predicted > 0 else -np.inf
        if ratio < 0.25:
            radius = 0.25 * np.linalg.norm(step) if np.isfinite(ratio) else 0.25 * radius
        elif ratio > 0.75 and np.linalg.norm(step) > 0.99 * radius:
            radius *= 2.0
        if ratio > 1e-4:
            x, f, g = trial, ft, gt
    return x


def newton_polish(problem: Problem, x: np.ndarray, steps: int = 3):
    """Newton steps on the exact Hessian; free interior parameters only.

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
    """The best point found: x, -2 log L, gradient, Hessian (None without polishing).

    attempts: one record per optimiser run; starts: how many starts were tried,
    reached_best: how many of them ended at the best optimum (within SAME_OPTIMUM).
    """

    x: np.ndarray
    f: float
    g: np.ndarray
    hessian: np.ndarray | None
    grad_max: float
    converged: bool
    iterations: int
    newton_steps: int
    attempts: list = field(default_factory=list)
    starts: int = 1
    reached_best: int = 1


def better(f: float, gmax: float, than: tuple) -> bool:
    """Whether an end (-2 log L f, largest gradient gmax) beats `than` (a run's end): a
    lower f, or one equal to rounding with a smaller gradient (the rescue of a run that
    stopped just short of the criterion ends there)."""
    tol = 1e-12 * max(1.0, abs(than[1]))
    return f < than[1] - tol or (f <= than[1] + tol and gmax < than[5])


def run(problem: Problem, x0: np.ndarray, polish: bool, grad_tol: float, label: str, attempts: list,
        rescue: bool = True):
    """One start: L-BFGS-B, then the Newton polish; if that does not converge and
    rescue, a trust-region rescue from there and L-BFGS-B again. Appends a record per
    L-BFGS-B run to attempts; returns the better end (x, f, g, hess, newton steps,
    grad_max) and the L-BFGS-B iterations."""
    bounds = problem.bounds()
    best, iterations = None, 0
    x_try = x0
    for rescuing in (False, True):
        if rescuing:
            if not rescue:
                break
            x_try = trust_region(problem, best[0])
        res = minimise(problem, x_try)
        iterations += int(res.nit)
        if polish:
            x, f, g, hess, newton = newton_polish(problem, res.x)
        else:
            x, (f, g), hess, newton = res.x, problem.fg(res.x), None, 0
        gmax = grad_max(x, g, bounds)
        attempts.append({"start": label + (", trust-region rescue" if rescuing else ""), "m2ll": float(f),
                         "grad_max": gmax, "lbfgs_message": str(res.message)})
        if best is None or better(f, gmax, best):
            best = (x, f, g, hess, newton, gmax)
        if best[5] < grad_tol:
            break
    return best, iterations


def optimise(problem: Problem, x0: np.ndarray, polish: bool = True, max_restarts: int = 4,
             seed: int = 0, grad_tol: float = GRAD_TOL, start_label: str = "given",
             candidates: Callable[[], list] | None = None,
             improper: Callable[[np.ndarray], bool] | None = None) -> Optimum:
    """Maximise the likelihood from x0; see the module docstring for the strategy.

    When that run ends unconverged, or improper by improper(x), a multi-start search
    follows: L-BFGS-B from the starts candidates() gives, then from max_restarts
    jittered copies of the best point so far (deterministic for a given seed); the
    best end is then polished (and rescued, if need be) as the first run was. The
    highest likelihood wins, improper or not: a worse proper optimum is no answer.
    polish=False skips the Newton polish and with it the Hessian (point estimates
    only, e.g. a bootstrap replicate).
    """
    bounds = problem.bounds()
    rng = np.random.default_rng(seed)
    attempts: list = []
    best, iterations = run(problem, x0, polish, grad_tol, start_label, attempts)
    ends = [best[1]]
    if best[5] >= grad_tol or (improper is not None and improper(best[0])):
        starts = list(candidates()) if candidates is not None else []
        starts += [(f"perturbed best, {i + 1}", None) for i in range(max_restarts)]
        first = best
        for label, x_start in starts:
            if x_start is None:
                xb = best[0]
                x_start = clip_to_bounds(xb + 0.1 * rng.standard_normal(problem.k) * np.maximum(np.abs(xb), 0.1),
                                         bounds)
            end, its = run(problem, x_start, False, grad_tol, label, attempts, rescue=False)
            iterations += its
            ends.append(end[1])
            if better(end[1], end[5], best):
                best = end
        if best is not first:
            end, its = run(problem, best[0], polish, grad_tol, "best of the starts", attempts)
            iterations += its
            if better(end[1], end[5], best):
                best = end
    x, f, g, hess, newton, gmax = best
    reached = sum(1 for e in ends if e <= f + SAME_OPTIMUM)
    return Optimum(x, f, g, hess, gmax, gmax < grad_tol, iterations, int(newton), attempts,
                   starts=len(ends), reached_best=reached)
