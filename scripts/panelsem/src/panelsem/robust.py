"""Robust standard errors and the scaled test statistic of lavaan's estimator = "MLR"
with missing = "ml" (lavaan 0.6: se = "robust.huber.white", test =
"yuan.bentler.mplus"), for a single-group FIML fit.

With H the Hessian of -2 log L (observed information x 2) and s_r the rows' scores
d(-2 log L_r)/d theta at the estimates, S = sum_r s_r s_r':

- vcov = H^-1 S H^-1 (lavaan: A^-1 B A^-1 / N with A = H / 2N, B = S / 4N; the
  Hessian over all free parameters, those at a bound included, as for the standard
  errors);
- the scaling factor c = (tr(B1 A1^-1) - tr(B0 A0^-1)) / df, where A1, B1 are the
  saturated model's observed and first-order information at its (EM) estimates and
  A0, B0 the fitted model's; per the identity tr(B A^-1) = tr(S H^-1) / 2, both traces
  come from Hessians and score cross-products of -2 log L. The scaled statistic is
  chisq / c; the baseline (independence) model gets its own factor, and CFI, TLI and
  RMSEA computed from the scaled statistics are lavaan's "scaled" ones. lavaan's
  "robust" CFI/RMSEA for missing data (lav_fit_fiml_corrected) are not computed.

Cost: the saturated model's information has p + p(p+1)/2 rows, so the scaled test
grows as p^4 (about a second at p = 30; minutes at p = 100).
"""

from __future__ import annotations

import numpy as np

from panelsem import fiml
from panelsem.fit_measures import chi2_sf, rmsea_ci
from panelsem.problem import FIMLProblem


def score_products(ev: fiml.Evaluation, dsigma: np.ndarray, dmu: np.ndarray) -> np.ndarray:
    """S = sum_r w_r s_r s_r' for scores s_r of -2 log L_r in the parameters whose
    Jacobian of (Sigma, mu) is dsigma (k, p, p), dmu (k, p)."""
    scores = ev.moment_scores() @ fiml.moment_jacobian(dsigma, dmu)
    return scores.T @ (ev.pat.weight[:, None] * scores)


def trace_term(hessian: np.ndarray, products: np.ndarray) -> float:
    """tr(B A^-1) = tr(S H^-1) / 2."""
    return 0.5 * float(np.trace(np.linalg.solve(hessian, products)))


def sandwich(prob: FIMLProblem, x: np.ndarray, hessian: np.ndarray) -> dict:
    """The robust covariance matrix of the estimates at x, with the pieces the scaled
    test statistic needs: vcov, the score products S and the model's trace term."""
    ev = prob.evaluation(x)
    products = score_products(ev, *prob.jacobian(x))
    bread = np.linalg.inv(hessian)
    vcov = bread @ products @ bread
    return {"vcov": 0.5 * (vcov + vcov.T), "products": products, "trace_h0": trace_term(hessian, products)}


def saturated_trace(pat: fiml.Patterns, mu: np.ndarray, sigma: np.ndarray) -> float:
    """tr(B1 A1^-1) of the saturated model at (mu, sigma), its estimates."""
    ev = fiml.Evaluation(sigma, mu, pat)
    directions = fiml.saturated_directions(len(mu))
    return trace_term(ev.hessian(*directions), score_products(ev, *directions))


def baseline_trace(pat: fiml.Patterns, mu: np.ndarray, var: np.ndarray) -> float:
    """tr(B0 A0^-1) of the independence model (free means and variances) at its estimates."""
    p = len(mu)
    dsigma, dmu = np.zeros((2 * p, p, p)), np.zeros((2 * p, p))
    dmu[np.arange(p), np.arange(p)] = 1.0
    dsigma[p + np.arange(p), np.arange(p), np.arange(p)] = 1.0
    ev = fiml.Evaluation(np.diag(var), mu, pat)
    return trace_term(ev.hessian(dsigma, dmu), score_products(ev, dsigma, dmu))


def scaled_fit_measures(prob: FIMLProblem, fit: dict, parts: dict, h1: tuple, baseline: tuple) -> dict:
    """lavaan's MLR test and its scaled fit measures, from the fit measures (fit), the
    sandwich's pieces (parts), the h1 estimates (mu, sigma) and the baseline estimates
    (mu, variances). Names as lavaan's fitMeasures with "_" for ".". With df = 0 the
    scaling factor is undefined (NaN), as in lavaan."""
    trace_h1 = saturated_trace(prob.pat, *h1)
    trace_b = trace_h1 - baseline_trace(prob.pat, *baseline)
    df, df_b, n = fit["df"], fit["baseline_df"], fit["n"]
    chisq, chisq_b = fit["chisq"], fit["baseline_chisq"]
    trace_ug = trace_h1 - parts["trace_h0"]
    c = trace_ug / df if df > 0 and trace_ug > 0 else float("nan")
    c_b = trace_b / df_b if df_b > 0 and trace_b > 0 else float("nan")
    scaled = chisq / c if df > 0 else chisq
    scaled_b = chisq_b / c_b
    t1 = max(scaled - df, 0.0)
    t2 = max(scaled - df, scaled_b - df_b, 0.0)
    tli_den = (scaled_b - df_b) * df
    lo, hi = rmsea_ci(chisq, trace_ug, n) if df > 0 else (float("nan"), float("nan"))
    return {
        "chisq_scaled": scaled,
        "df_scaled": df,
        "pvalue_scaled": chi2_sf(scaled, df) if df > 0 else float("nan"),
        "chisq_scaling_factor": c,
        "baseline_chisq_scaled": scaled_b,
        "baseline_pvalue_scaled": chi2_sf(scaled_b, df_b),
        "baseline_chisq_scaling_factor": c_b,
        "cfi_scaled": 1.0 if t2 == 0 else 1.0 - t1 / t2,
        "tli_scaled": 1.0 - (scaled - df) * df_b / tli_den if df > 0 and tli_den != 0 else 1.0,
        "rmsea_scaled": float(np.sqrt(max(chisq / (n * trace_ug) - 1.0 / n, 0.0))) if df > 0 else float("nan"),
        "rmsea_ci_lower_scaled": lo,
        "rmsea_ci_upper_scaled": hi,
    }
