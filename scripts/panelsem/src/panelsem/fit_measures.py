"""Fit measures for an ML/FIML model with a mean structure, as lavaan 0.6 defines them.

semopy 2.3.11 has no SRMR and no RMSEA interval, and its AIC/BIC treat the fit
function as a log-likelihood; everything here starts from log-likelihoods:

- h0: the fitted model; h1: the saturated model (EM estimate of unrestricted
  means and covariances under missing data); baseline: independence model with
  free means and variances.
- chisq = 2 (logl_h1 - logl_h0) on df = p(p+1)/2 + p - npar.
- RMSEA = sqrt(max(chisq/df - 1, 0) / N) with N the number of rows used (lavaan
  uses N, not N - 1, with its default normal likelihood); 90% interval by
  inverting the noncentral chi-square distribution.
- SRMR: lavaan's default "srmr" (Bentler's), computed against the h1 moments and,
  with a mean structure, including the standardised mean residuals.
- A saturated model (df = 0): TLI 1, RMSEA 0 and no p-value, as lavaan reports.

Distribution functions come from scipy.special, not scipy.stats: the same numbers,
without the 0.4 s that importing scipy.stats adds to every command-line fit.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special


def chi2_sf(x: float, df: float) -> float:
    """Upper tail of the chi-square distribution."""
    return float(special.chdtrc(df, x))


def lr_test(restricted: dict, full: dict) -> dict:
    """Chi-square difference test of nested models from their fit dicts (loglik, npar)."""
    chisq = 2.0 * (full["loglik"] - restricted["loglik"])
    df = int(full["npar"] - restricted["npar"])
    if df <= 0:
        raise ValueError(f"the full model must have more parameters (df_diff = {df})")
    return {"chisq_diff": chisq, "df_diff": df, "p": chi2_sf(max(chisq, 0.0), df)}


def information_criteria(loglik: float, npar: int, n: int) -> dict:
    """AIC and BIC from the log-likelihood (semopy 2.3.11's treat its fit function as one)."""
    return {"aic": -2.0 * loglik + 2.0 * npar, "bic": -2.0 * loglik + np.log(n) * npar}


def rmsea_ci(chisq: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """Confidence interval of RMSEA: the noncentralities at which the observed
    chi-square is the upper and lower (1 - level)/2 quantile."""
    if df < 1:
        return 0.0, 0.0
    hi_p, lo_p = (1 + level) / 2, (1 - level) / 2

    def cdf(ncp: float) -> float:
        return special.chndtr(chisq, df, ncp) if ncp > 0 else special.chdtr(df, chisq)

    def ci_bound(p: float, upper: float) -> float:
        if cdf(0.0) < p:
            return 0.0
        lam = optimize.brentq(lambda lam: cdf(lam) - p, 0.0, upper, xtol=1e-12)
        return float(np.sqrt(lam / (n * df)))

    lower = ci_bound(hi_p, max(chisq, 1.0))
    upper_lim = max(n, 4 * chisq)
    upper = 0.0 if cdf(upper_lim) > lo_p else ci_bound(lo_p, upper_lim)
    return lower, upper


def srmr(sigma: np.ndarray, mu: np.ndarray, s_h1: np.ndarray, m_h1: np.ndarray) -> float:
    """Bentler's SRMR with mean residuals: residuals of covariances scaled by the
    h1 standard deviations (lower triangle with diagonal) and of means scaled by
    the h1 standard deviations, averaged over p(p+1)/2 + p elements."""
    sd = np.sqrt(np.diag(s_h1))
    r_cov = (s_h1 - sigma) / np.outer(sd, sd)
    r_mean = (m_h1 - mu) / sd
    p = len(sd)
    il = np.tril_indices(p)
    e = p * (p + 1) / 2 + p
    return float(np.sqrt((np.sum(r_cov[il] ** 2) + np.sum(r_mean**2)) / e))


def fit_measures(
    loglik: float,
    npar: int,
    n: int,
    p: int,
    loglik_h1: float,
    loglik_baseline: float,
    sigma: np.ndarray,
    mu: np.ndarray,
    sigma_h1: np.ndarray,
    mu_h1: np.ndarray,
) -> dict:
    moments = p * (p + 1) // 2 + p
    df = moments - npar
    chisq = max(2.0 * (loglik_h1 - loglik), 0.0)
    df_b = moments - 2 * p
    chisq_b = 2.0 * (loglik_h1 - loglik_baseline)
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, chisq_b - df_b, 0.0)
    cfi = 1.0 if t2 == 0 else 1.0 - t1 / t2
    tli = (
        (chisq_b / df_b - chisq / df) / (chisq_b / df_b - 1.0)
        if df > 0 and df_b > 0 and chisq_b != df_b
        else 1.0
    )
    rmsea = float(np.sqrt(max(chisq / df - 1.0, 0.0) / n)) if df > 0 else 0.0
    lo, hi = rmsea_ci(chisq, df, n)
    return {
        "loglik": loglik,
        "npar": npar,
        "chisq": chisq,
        "df": df,
        "pvalue": chi2_sf(chisq, df) if df > 0 else float("nan"),
        "baseline_chisq": chisq_b,
        "baseline_df": df_b,
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "rmsea_ci_lower": lo,
        "rmsea_ci_upper": hi,
        "srmr": srmr(sigma, mu, sigma_h1, mu_h1),
        **information_criteria(loglik, npar, n),
        "loglik_h1": loglik_h1,
        "n": n,
    }

