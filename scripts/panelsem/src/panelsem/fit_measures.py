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
- chibar_square_test: the likelihood-ratio test of a restriction that puts variances
  on their boundary (CLPM in RI-CLPM), with a chi-bar-square p-value.

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


def orthant_probability(cov: np.ndarray, seed: int = 0) -> float:
    """P(X > 0) for X ~ N(0, cov): closed forms up to 3 dimensions (Sheppard; Childs),
    beyond them Genz's quasi-Monte Carlo integration (scipy, seeded: the same number
    each time, to about 1e-5)."""
    d = len(cov)
    if d == 0:
        return 1.0
    sd = np.sqrt(np.diag(cov))
    r = cov / np.outer(sd, sd)
    if d == 1:
        return 0.5
    if d == 2:
        return 0.25 + float(np.arcsin(r[0, 1])) / (2 * np.pi)
    if d == 3:
        return 0.125 + float(np.arcsin(r[0, 1]) + np.arcsin(r[0, 2]) + np.arcsin(r[1, 2])) / (4 * np.pi)
    from scipy.stats import multivariate_normal

    return float(multivariate_normal(np.zeros(d), r, seed=seed, abseps=1e-7, releps=1e-7).cdf(np.zeros(d)))


def chibar_weights(v: np.ndarray) -> np.ndarray:
    """Weights w_0..w_q of the chi-bar-square distribution of the likelihood-ratio
    statistic for H0: theta = 0 against theta >= 0 (q parameters), with v the
    covariance matrix of their estimates (Kudo 1963; Shapiro 1985).

    w_i is the probability that the projection of N(0, v) onto the positive orthant
    (in the metric of v^-1) has i positive components: summed over the sets S of i
    components, P(N(0, W_SS^-1) > 0) P(N(0, v_S'S'^-1) > 0) with W = v^-1, S' the rest.
    """
    q = len(v)
    w_inv = np.linalg.inv(v)
    weights = np.zeros(q + 1)
    for mask in range(2 ** q):
        s = [i for i in range(q) if mask >> i & 1]
        rest = [i for i in range(q) if not mask >> i & 1]
        inside = orthant_probability(np.linalg.inv(w_inv[np.ix_(s, s)])) if s else 1.0
        outside = orthant_probability(np.linalg.inv(v[np.ix_(rest, rest)])) if rest else 1.0
        weights[len(s)] += inside * outside
    return weights / weights.sum()


def chibar_square_test(restricted, full, boundary: list[str] | None = None) -> dict:
    """Likelihood-ratio test of a model nested in `full` by fixing variances at their
    bound 0, and other parameters too (Stoel, Garre, Dolan & van den Wittenboer, 2006):
    the CLPM in the RI-CLPM fixes the random-intercept variances at 0 and their
    covariances with them.

    restricted, full: FitResults of the two models on the same data; full needs its
    covariance matrix of the estimates (a fit with standard errors). boundary: the
    names of full's parameters that the restriction puts on the boundary (default:
    full's variances that restricted lacks). Under H0 the statistic follows the
    mixture sum_i w_i chi2(df_diff - q + i) of chi-square distributions, q =
    len(boundary), the other df_diff - q restricted parameters being interior; the
    weights come from the covariance matrix of the boundary parameters' estimates
    (the inverse observed information of full at its estimates, chibar_weights), not
    50:50. Returns chisq_diff, df_diff, p (the naive chi-square p-value), p_chibar,
    weights (w_0..w_q) and boundary.
    """
    out = lr_test(restricted.fit, full.fit)
    if boundary is None:
        have = set(restricted.param_names)
        boundary = [name for name in full.param_names if name not in have and _is_variance(name)]
    q = len(boundary)
    if not 0 < q <= out["df_diff"]:
        raise ValueError(f"{q} boundary parameters for a difference of {out['df_diff']} parameters")
    if full.vcov is None:
        raise ValueError("the full model's fit has no covariance matrix of the estimates (se=False)")
    v = full.vcov.loc[boundary, boundary].to_numpy()
    if not np.all(np.isfinite(v)):
        raise ValueError("the covariance matrix of the boundary parameters' estimates is not finite")
    weights = chibar_weights(v)
    stat, df_interior = max(out["chisq_diff"], 0.0), out["df_diff"] - q
    tails = [(1.0 if stat <= 0 else 0.0) if df_interior + i == 0 else chi2_sf(stat, df_interior + i)
             for i in range(q + 1)]
    out.update({"p_chibar": float(np.dot(weights, tails)), "weights": [float(w) for w in weights],
                "boundary": list(boundary)})
    return out


def _is_variance(name: str) -> bool:
    lhs, sep, rhs = name.partition("~~")
    return bool(sep) and lhs == rhs
