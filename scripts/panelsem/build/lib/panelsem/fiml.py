"""Fast full-information maximum likelihood (FIML) for models with a mean structure.

semopy 2.3.11's ModelMeans computes the FIML gradient in Python loops over
missing-data patterns x parameters; on a panel of 3 constructs x 10 waves (about
250 patterns, about 100 parameters) one fit does not finish in 15 minutes. Here the data are
reduced once to per-pattern means and covariances, and -2 log L and its gradient
are evaluated for all patterns at once: each pattern's inverse observed
covariance comes from the inverse of the full Sigma by a small Schur complement
over its missing variables (batched), then two batched products give the
pattern sums the gradient needs. The gradient with
respect to Sigma and mu is pushed to the model's matrices by the chain rule
(model.Matrices.chain_rule), so the cost does not grow with the number of
parameters.

Also here, because they use the same pattern statistics: the saturated (h1) model
by EM and the independence (baseline) model, both under FIML, as lavaan uses them
for fit measures with missing = "ml".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LOG2PI = float(np.log(2.0 * np.pi))


@dataclass
class Patterns:
    """Sufficient statistics of a data matrix, grouped by missing-data pattern.

    mask[g]: which variables pattern g observes; n[g]: its number of rows;
    mean[g], cov[g]: sample mean and (divisor n) covariance of its observed
    variables, zero in unobserved positions. Rows with nothing observed are
    dropped and counted in n_dropped. Most patterns hold one row (cov zero), so
    the terms in cov are summed over the patterns with several rows only.
    With row weights (counts), n, mean and cov are weighted and distinct[g] is
    the number of distinct rows behind pattern g.
    """

    mask: np.ndarray  # (G, p) bool
    n: np.ndarray  # (G,) float
    mean: np.ndarray  # (G, p)
    cov: np.ndarray  # (G, p, p)
    n_dropped: int
    n_rows: int  # rows used
    by_missing: list = field(default_factory=list)  # [(slice of patterns, missing idx)]
    distinct: np.ndarray | None = None  # (G,) rows before weighting; None: n
    mask2: np.ndarray = field(init=False)  # (G, p, p) 1.0 where both variables observed
    n_vars: np.ndarray = field(init=False)  # (G,) observed variables per pattern

    @property
    def n_dummies(self) -> int:
        return max((miss.shape[1] for _, miss in self.by_missing), default=0)

    def __post_init__(self):
        self.mask2 = (self.mask[:, :, None] & self.mask[:, None, :]).astype(float)
        self.n_vars = self.mask.sum(axis=1).astype(float)
        # Work buffers for the (G, p, p) arrays of every evaluation: allocating
        # them afresh costs more (page faults) than the arithmetic on them.
        self.work = [np.empty_like(self.cov) for _ in range(2)]
        # A row repeated by its weight has zero covariance: only distinct rows count.
        self.multi = np.flatnonzero((self.n if self.distinct is None else self.distinct) > 1)
        self.n_multi = self.n[self.multi]
        self.cov_multi = self.cov[self.multi]

    @property
    def n_patterns(self) -> int:
        return len(self.n)



def unique_rows(obs: np.ndarray):
    """np.unique(obs, axis=0, return_inverse=True) for a boolean matrix (rows in
    lexicographic order, False first), and the rows sorted by pattern, stably.

    By lexsort: np.unique's sort of rows as structured values took most of a
    bootstrap replicate's set-up.
    """
    by_row = np.lexsort(obs.T[::-1])
    s = obs[by_row]
    first = np.r_[True, np.any(s[1:] != s[:-1], axis=1)]
    inverse = np.empty(len(obs), dtype=int)
    inverse[by_row] = np.cumsum(first) - 1
    return s[first], inverse, by_row


def patterns_from_array(y: np.ndarray, weights: np.ndarray | None = None) -> Patterns:
    """weights: a count per row (a bootstrap resample as multiplicities of the
    original rows); the result is that of the data with each row repeated so often."""
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise ValueError("data must be a 2-d array (rows x variables)")
    obs = np.isfinite(y)
    keep = obs.any(axis=1)
    if weights is None:
        w = None
        n_dropped, n_rows = int((~keep).sum()), int(keep.sum())
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(y),) or np.any(w < 0) or np.any(w != np.round(w)):
            raise ValueError("weights must be one non-negative whole count per row")
        n_dropped, n_rows = int(w[~keep].sum()), int(w[keep].sum())
        keep &= w > 0
        w = w[keep]
    y, obs = y[keep], obs[keep]
    if len(y) == 0:
        raise ValueError("no row has any observed value")
    p = y.shape[1]
    uniq, inverse, by_row = unique_rows(obs)
    # Order patterns by bucket: the number of missing variables rounded up to a
    # power of two (then by np.unique's order, so the layout is deterministic).
    # _masked_inverse handles a bucket as one contiguous batch, padding missing
    # sets with dummy indices p, p+1, ...; few buckets = few numpy calls.
    q = (~uniq).sum(axis=1)
    bucket = np.where(q > 0, np.ceil(np.log2(np.maximum(q, 1))).astype(int) + 1, 0)
    order = np.argsort(bucket, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    mask = uniq[order].astype(bool)
    g_count = len(mask)
    # Rows of each pattern, in data order, summed by cumsum: strictly in that
    # order, as np.add.at did (slowly), so the same data give the same numbers.
    count = np.bincount(inverse, minlength=g_count)
    segments = [by_row[e - k:e] for k, e in zip(count, np.cumsum(count))]
    segments = [segments[i] for i in order]
    inverse = rank[inverse]
    distinct = count[order].astype(float)
    n = distinct if w is None else np.bincount(inverse, weights=w, minlength=g_count)
    y0 = np.where(obs, y, 0.0)
    wy0 = y0 if w is None else w[:, None] * y0
    mean = np.stack([wy0[rows].cumsum(axis=0)[-1] for rows in segments]) / n[:, None]
    cov = np.zeros((g_count, p, p))
    # One distinct row has zero covariance, however often it is repeated.
    for g in np.flatnonzero(distinct > 1):
        rows = segments[g]
        dev = np.where(obs[rows], y0[rows] - mean[g], 0.0)
        outer = dev[:, :, None] * dev[:, None, :]
        cov[g] = (outer if w is None else w[rows, None, None] * outer).cumsum(axis=0)[-1] / n[g]
    by_missing = []
    bucket = bucket[order]
    for bk in np.unique(bucket[bucket > 0]):
        rows = np.flatnonzero(bucket == bk)
        size = 2 ** (int(bk) - 1)
        miss = np.empty((len(rows), size), dtype=int)
        for i, r in enumerate(rows):
            idx = np.flatnonzero(~mask[r])
            miss[i, : len(idx)] = idx
            miss[i, len(idx) :] = p + np.arange(size - len(idx))
        by_missing.append((slice(rows[0], rows[-1] + 1), miss))
    return Patterns(mask, n, mean, cov, n_dropped, n_rows, by_missing, None if w is None else distinct)


def _masked_inverse(sigma: np.ndarray, pat: "Patterns"):
    """Per pattern: inverse of the observed block of sigma (zeros elsewhere), log det.

    The inverse is returned in pat.work[0], overwritten by the next call.

    Uses the inverse P of the full matrix: for missing set m and observed set o,
    inv(S_oo) = P_oo - P_om inv(P_mm) P_mo and logdet S_oo = logdet S + logdet P_mm.
    Patterns miss few variables, so the batched inverses are small, grouped by
    the number of missing variables. Raises np.linalg.LinAlgError unless sigma is
    positive definite.
    """
    chol = np.linalg.cholesky(sigma)
    logdet_full = 2.0 * float(np.log(np.diag(chol)).sum())
    p = sigma.shape[0]
    pinv = np.linalg.inv(sigma)
    pad = np.eye(p + pat.n_dummies)
    pad[:p, :p] = 0.5 * (pinv + pinv.T)
    inv, tmp = pat.work[0], pat.work[1]
    inv[...] = pad[:p, :p]
    logdet = np.full(pat.n_patterns, logdet_full)
    for rows, miss in pat.by_missing:
        pmm = pad[miss[:, :, None], miss[:, None, :]]
        lmm = np.linalg.cholesky(pmm)
        logdet[rows] += 2.0 * np.log(np.diagonal(lmm, axis1=1, axis2=2)).sum(axis=1)
        u = pad[:p, miss].transpose(1, 0, 2)  # (G_q, p, q)
        np.matmul(u @ np.linalg.inv(pmm), u.transpose(0, 2, 1), out=tmp[rows])
        inv[rows] -= tmp[rows]
    inv *= pat.mask2
    return inv, logdet


def _pattern_sums(sigma: np.ndarray, mu: np.ndarray, pat: Patterns, grad: bool):
    """-2 log L and, if grad, the pattern sums behind its derivatives.

    With inv_g the masked inverse and d_g = ybar_g - mu (observed part):
    b = sum_g n_g inv_g, a = sum_g n_g inv_g S_g inv_g, inv_d[g] = inv_g d_g.
    """
    inv, logdet = _masked_inverse(sigma, pat)
    d = np.where(pat.mask, pat.mean - mu[None], 0.0)
    inv_d = (inv @ d[:, :, None])[:, :, 0]
    inv_m = inv[pat.multi]
    tr_s = np.einsum("gij,gji->g", inv_m, pat.cov_multi)
    f = float((pat.n * (pat.n_vars * LOG2PI + logdet + (d * inv_d).sum(axis=1))).sum()
              + (pat.n_multi * tr_s).sum())
    if not grad:
        return f
    # Sums by numpy's own reductions, not BLAS: threaded BLAS reductions change
    # the last bits with the number of cores, and the finite-difference Hessian
    # would carry that into the standard errors.
    t = pat.work[1]
    np.multiply(pat.n[:, None, None], inv, out=t)
    b = t.sum(axis=0)
    a = (pat.n_multi[:, None, None] * (inv_m @ pat.cov_multi @ inv_m)).sum(axis=0)
    return f, a, b, inv_d


def minus2loglik(sigma: np.ndarray, mu: np.ndarray, pat: Patterns, grad: bool = False):
    """-2 log L of N(mu, sigma) for the data in pat; optionally d/dSigma, d/dmu.

    The Sigma gradient is with respect to each entry as if all were free
    (symmetric matrix); the chain rule to parameters sums over both triangles.
    """
    if not grad:
        return _pattern_sums(sigma, mu, pat, grad=False)
    f, a, b, inv_d = _pattern_sums(sigma, mu, pat, grad=True)
    # sum_g n_g [inv_g - inv_g (S_g + d_g d_g') inv_g]
    nid = pat.n[:, None] * inv_d
    g_sigma = b - a - np.einsum("gi,gj->ij", nid, inv_d)
    return f, g_sigma, -2.0 * nid.sum(axis=0)


def saturated_em(pat: Patterns, tol: float = 1e-12, max_iter: int = 20000):
    """Unrestricted mean vector and covariance matrix by EM (the h1 model).

    Returns mu, sigma, loglik, iterations. Stops when the log-likelihood changes
    by less than tol (absolute); EM increases it monotonically.
    """
    w = pat.n[:, None] * pat.mask
    mu = (pat.n[:, None] * pat.mean * pat.mask).sum(0) / w.sum(0)
    var = np.einsum("g,gii->i", pat.n, pat.cov) + (w * (pat.mean - mu) ** 2).sum(0)
    sigma = np.diag(var / w.sum(0))
    n_tot = float(pat.n_rows)
    old = -np.inf
    for it in range(1, max_iter + 1):
        f, a, b, inv_d = _pattern_sums(sigma, mu, pat, grad=True)
        ll = -0.5 * f
        if ll - old < tol:
            break
        old = ll
        # E-step in pattern sums: with K_g = sigma inv_g, the conditional means
        # are mu + K_g d_g, and summed over rows the expected cross-products are
        # K_g S_g K_g' + (sigma - K_g sigma) per row, i.e. sigma (a - b) sigma + N sigma.
        yhat = mu[None] + np.einsum("gi,ij->gj", inv_d, sigma)
        mu = np.einsum("g,gi->i", pat.n, yhat) / n_tot
        dev = yhat - mu[None]
        scatter = sigma @ (a - b) @ sigma + n_tot * sigma + np.einsum("gi,gj->ij", pat.n[:, None] * dev, dev)
        sigma = scatter / n_tot
        sigma = 0.5 * (sigma + sigma.T)
    return mu, sigma, ll, it


def independence_fit(pat: Patterns):
    """Baseline model: independent variables, free means and variances, FIML.

    Under independence the likelihood factorises by variable, so the FIML
    estimates are each variable's observed mean and (divisor n) variance.
    Returns mu, var, loglik.
    """
    w = pat.n[:, None] * pat.mask
    cnt = w.sum(0)
    mu = (pat.n[:, None] * pat.mean * pat.mask).sum(0) / cnt
    ss = np.einsum("g,gii->i", pat.n, pat.cov) + (w * (pat.mean - mu) ** 2).sum(0)
    var = ss / cnt
    ll = -0.5 * float((cnt * (LOG2PI + np.log(var) + 1.0)).sum())
    return mu, var, ll
