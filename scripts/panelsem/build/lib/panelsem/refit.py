"""Warm-started refits of one spec on resamples of one data set (bootstrap replicates)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from panelsem import fiml
from panelsem.fit import as_start, fit_model
from panelsem.optimise import GRAD_TOL, interior, lower_upper
from panelsem.problem import FIMLProblem
from panelsem.spec import ModelSpec


class Refitter:
    """A resample only repeats or omits rows, so its likelihood is that of the original
    rows weighted by their counts: the problem is built once, and a refit is a
    handful of quasi-Newton steps from the start, whose first curvature is the
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
        self.prob = FIMLProblem(data, spec)
        self.y = data[self.prob.obs].to_numpy(dtype=float)  # the problem's variable order
        self.observed = np.isfinite(self.y)
        self.x0 = as_start(start, self.prob.k)
        bounds = self.prob.bounds()
        self.lower, self.upper = lower_upper(bounds)
        self.h0_inv = None  # None: every refit falls back
        if np.all(interior(self.x0, bounds)):
            # Per row: a resample of n rows has about n times this curvature.
            hess = self.prob.hessian(self.x0) / self.prob.n
            try:
                np.linalg.cholesky(hess)
                self.h0_inv = np.linalg.inv(hess)
                self.h0_inv = 0.5 * (self.h0_inv + self.h0_inv.T)
            except np.linalg.LinAlgError:
                pass

    @property
    def names(self) -> list[str]:
        return self.prob.names

    def refit(self, rows: np.ndarray) -> tuple[np.ndarray, bool, bool]:
        """Parameters for the data's rows `rows` (with repeats); converged; whether
        the quasi-Newton path (True) or fit_model (False) gave them."""
        counts = np.bincount(rows, minlength=len(self.y)).astype(float)
        x = self._quasi_newton(counts)
        if x is not None:
            return x, True, True
        fit = fit_model(self.data.iloc[rows].reset_index(drop=True), self.spec, start=self.start,
                        se=False, fit_measures=False, grad_tol=self.grad_tol)
        return fit.params, fit.converged, False

    def _quasi_newton(self, counts: np.ndarray) -> np.ndarray | None:
        if self.h0_inv is None:
            return None
        if np.any(counts @ self.observed < 2):
            return None  # fit_model raises its own error for this
        pat = fiml.patterns_from_array(self.y, counts)
        return self._steps(pat)

    def _steps(self, pat: fiml.Patterns) -> np.ndarray | None:
        x = self.x0.copy()
        f, g = self.prob.fg(x, pat)
        if not np.isfinite(f):
            return None
        h_inv = self.h0_inv / pat.n_rows
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
                    fn, gn = self.prob.fg(xn, pat)
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
