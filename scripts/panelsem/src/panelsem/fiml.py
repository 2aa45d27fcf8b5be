"""Fast full-information maximum likelihood (FIML) for models with a mean structure.

semopy 2.3.11's ModelMeans computes the FIML gradient in Python loops over
missing-data patterns x parameters; on a panel of 3 constructs x 10 waves (about
250 patterns, about 100 parameters) one fit does not finish in 15 minutes. Here every
quantity comes from the inverse P of the full Sigma and, per missing-data pattern,
the small inverse W_g of P's block over the variables the pattern misses:

    inv(Sigma_oo) = P_oo - P_om W_g P_mo,   log det Sigma_oo = log det Sigma + log det P_mm.

Patterns miss few variables, so the W_g are small and batched by their size. Per row,
z = inv(Sigma_oo) (y_o - mu_o) is P times the row's residual with its missing entries
replaced by their conditional expectations (-W_g (P e)_m), so two matrix products over
all rows give every z. The gradient with respect to Sigma is then
N P - P Omega P - sum_r z_r z_r' with Omega the W_g summed into their positions;
the cost is that of a few products of the rows with P, whatever the number of
patterns. The gradient with respect to Sigma and mu is pushed to the model's
matrices by the chain rule (model.Matrices.chain_rule).

The same pieces give the exact derivative of that gradient along any direction of
(Sigma, mu) (Evaluation.gradient_derivative), from which the observed information
(the Hessian of -2 log L) is assembled without finite differences, and the
per-row scores that robust standard errors need (Evaluation.moment_scores).

Also here, because they use the same quantities: the saturated (h1) model by EM and
the independence (baseline) model, both under FIML, as lavaan uses them for fit
measures with missing = "ml".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOG2PI = float(np.log(2.0 * np.pi))


@dataclass
class Bucket:
    """Patterns handled as one batch, with their rows.

    A pattern that misses fewer variables than it observes is handled through its
    missing block (observed=False), else through its observed block: either way the
    matrices inverted per pattern are the smaller ones. idx[i]: the variables of
    that block for pattern patterns.start + i, padded to a common length with the
    index p of a spare zero row and column (dummy marks those places); row_pattern:
    each row's pattern, counted from patterns.start.
    """

    patterns: slice
    rows: slice
    idx: np.ndarray  # (G_b, s) int
    dummy: np.ndarray  # (G_b, s) bool
    row_pattern: np.ndarray  # (R_b,) int
    observed: bool

    @property
    def row_idx(self) -> np.ndarray:
        return self.idx[self.row_pattern]


@dataclass
class Patterns:
    """A data matrix grouped by missing-data pattern, its rows kept.

    mask[g]: which variables pattern g observes; n[g]: its number of rows (weighted);
    y0, weight, row_pattern: the rows with any observed value, sorted by pattern
    (in data order within one), zero where missing, with their weights (counts of
    a resample; 1 otherwise) and patterns. Rows with nothing observed are dropped
    and counted in n_dropped.
    """

    mask: np.ndarray  # (G, p) bool
    n: np.ndarray  # (G,) float
    n_dropped: int
    n_rows: int  # rows used (weighted)
    y0: np.ndarray  # (R, p)
    weight: np.ndarray  # (R,)
    row_pattern: np.ndarray  # (R,) int
    buckets: list

    def __post_init__(self):
        self.n_vars = self.mask.sum(axis=1).astype(float)
        self.obs = self.mask[self.row_pattern].astype(float)
        # Rows whose inverse is P's Schur complement (complete ones included).
        self.n_schur = float(self.n_rows - sum(self.n[b.patterns].sum() for b in self.buckets if b.observed))

    @property
    def n_patterns(self) -> int:
        return len(self.n)


# A batch costs about as much in numpy's per-call overhead as this many multiply-adds
# of its small matrices do (measured: about 0.1 ms): padding a block to share a batch
# pays while it adds fewer.
BATCH_OVERHEAD = 1e5


def block_sizes(sizes: np.ndarray) -> np.ndarray:
    """The padded size of each block (of sizes[g] variables): blocks share a batch at
    the largest size in it when the padding's extra work (cubic in the size) costs
    less than a batch of their own would. Greedy from the largest size down."""
    distinct, counts = np.unique(sizes, return_counts=True)
    padded = {}
    current = None
    for s, n in zip(distinct[::-1], counts[::-1]):
        if current is None or n * (float(current) ** 3 - float(s) ** 3) > BATCH_OVERHEAD:
            current = s
        padded[s] = current
    return np.array([padded[s] for s in sizes], dtype=int)


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
        w = np.ones(len(y))
        n_dropped, n_rows = int((~keep).sum()), int(keep.sum())
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(y),) or np.any(w < 0) or np.any(w != np.round(w)):
            raise ValueError("weights must be one non-negative whole count per row")
        n_dropped, n_rows = int(w[~keep].sum()), int(w[keep].sum())
        keep &= w > 0
    y, obs, w = y[keep], obs[keep], w[keep]
    if len(y) == 0:
        raise ValueError("no row has any observed value")
    p = y.shape[1]
    uniq, inverse, by_row = unique_rows(obs)
    # Patterns ordered by bucket (side, padded block size), then in np.unique's order,
    # so the layout is deterministic.
    q = (~uniq).sum(axis=1)
    observed_side = q > p - q
    block = np.zeros(len(q), dtype=int)
    for side in (False, True):
        these = (observed_side == side) & (q > 0)
        if these.any():
            block[these] = block_sizes(np.where(side, p - q, q)[these])
    key = np.where(q == 0, 0, block + observed_side * (p + 1))
    order = np.argsort(key, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    mask = uniq[order].astype(bool)
    pattern = rank[inverse]
    rows = np.argsort(pattern, kind="stable")  # by pattern, data order within one
    pattern, w = pattern[rows], w[rows]
    y0 = np.where(obs, y, 0.0)[rows]
    n = np.bincount(pattern, weights=w, minlength=len(mask))
    buckets = []
    key, block, observed_side = key[order], block[order], observed_side[order]
    for kb in np.unique(key[key > 0]):
        pats = np.flatnonzero(key == kb)
        side, size = bool(observed_side[pats[0]]), int(block[pats[0]])
        idx = np.empty((len(pats), size), dtype=int)
        for i, g in enumerate(pats):
            own = np.flatnonzero(mask[g] if side else ~mask[g])
            idx[i, : len(own)] = own
            idx[i, len(own):] = p
        lo, hi = np.searchsorted(pattern, [pats[0], pats[-1] + 1])
        buckets.append(Bucket(slice(pats[0], pats[-1] + 1), slice(lo, hi), idx, idx == p,
                              pattern[lo:hi] - pats[0], side))
    return Patterns(mask, n, n_dropped, n_rows, y0, w, pattern, buckets)


def _scatter(values: np.ndarray, idx: np.ndarray, size: int) -> np.ndarray:
    """sum over patterns g of values[..., g, :, :] placed at rows and columns idx[g]:
    (..., size, size). By bincount, which adds in a fixed order."""
    lead = values.shape[:-3]
    flat = (idx[:, :, None] * size + idx[:, None, :]).ravel()
    count = int(np.prod(lead, dtype=int))
    offsets = (np.arange(count) * size * size)[:, None]
    out = np.bincount((offsets + flat[None, :]).ravel(), weights=values.reshape(count, -1).ravel(),
                      minlength=count * size * size)
    return out.reshape(*lead, size, size)


def _gather(v: np.ndarray, b: Bucket) -> np.ndarray:
    """Per row of v (its bucket's rows; leading axes allowed): the entries at the row's block."""
    return np.take_along_axis(v, b.row_idx.reshape((1,) * (v.ndim - 2) + b.row_idx.shape), axis=-1)


def _place(out: np.ndarray, b: Bucket, values: np.ndarray) -> None:
    np.put_along_axis(out, b.row_idx.reshape((1,) * (out.ndim - 2) + b.row_idx.shape), values, axis=-1)


def _apply(inv: np.ndarray, b: Bucket, v: np.ndarray) -> np.ndarray:
    """Per row: the pattern's inverse block times the row's entries of v at its block."""
    return (inv[b.row_pattern] @ _gather(v, b)[..., None])[..., 0]


def _block(x: np.ndarray, b: Bucket, identity: bool = False) -> np.ndarray:
    """Each pattern's block of x (..., p+1, p+1); the dummy places zero, or an identity."""
    block = x[..., b.idx[:, :, None], b.idx[:, None, :]]
    if identity:
        # x's spare row and column are zero: only the dummy diagonal needs setting.
        g, i = np.nonzero(b.dummy)
        block[..., g, i, i] = 1.0
    return block


# Directions of at most this many dictionary cells go by factor_derivatives.
FACTORED_CELLS = 2


def merge_cells(cells: np.ndarray) -> np.ndarray:
    """Cells (direction, d1, d2, coef) with the same direction and unordered pair
    {d1, d2} summed into one: coef (d1 d2' + d2 d1') is symmetric in d1, d2."""
    if not len(cells):
        return cells
    key = np.column_stack([cells[:, 0], np.minimum(cells[:, 1], cells[:, 2]), np.maximum(cells[:, 1], cells[:, 2])])
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    return np.column_stack([uniq, np.bincount(inverse.ravel(), weights=cells[:, 3], minlength=len(uniq))])


class Evaluation:
    """-2 log L of N(mu, sigma) for the data in pat (attribute f), and what its
    derivatives need. Raises np.linalg.LinAlgError unless sigma is positive definite.

    Per pattern g, P_g = inv(Sigma_oo) padded with zeros. Handled through the missing
    block: P_g = P - P E W_g E' P, W_g = inv(P_mm); through the observed block:
    P_g = E V_g E', V_g = inv(Sigma_oo) (E: the block's columns of the identity).
    Arrays over variables carry a spare zero entry p, where blocks put their padding.
    """

    def __init__(self, sigma: np.ndarray, mu: np.ndarray, pat: Patterns):
        self.pat = pat
        p = self.p = len(mu)
        size = self.size = p + 1
        chol = np.linalg.cholesky(sigma)
        logdet_full = 2.0 * float(np.log(np.diag(chol)).sum())
        pinv = np.linalg.inv(sigma)
        self.P = 0.5 * (pinv + pinv.T)
        self.pad = np.zeros((size, size))
        self.pad[:p, :p] = self.P
        spad = np.zeros((size, size))
        spad[:p, :p] = sigma
        e = np.zeros((len(pat.y0), size))
        e[:, :p] = pat.y0 - pat.obs * mu[None]
        ep = e @ self.pad
        self.logdet = np.full(pat.n_patterns, logdet_full)
        self.inv = []
        for b in pat.buckets:
            block = _block(spad if b.observed else self.pad, b, identity=True)
            half_logdet = np.log(np.diagonal(np.linalg.cholesky(block), axis1=1, axis2=2)).sum(axis=1)
            if b.observed:
                self.logdet[b.patterns] = 2.0 * half_logdet
            else:
                self.logdet[b.patterns] += 2.0 * half_logdet
            inv = np.linalg.inv(block)
            self.inv.append(0.5 * (inv + inv.transpose(0, 2, 1)))
            if not b.observed:
                # Missing entries of e <- their conditional expectations given the
                # row's observed ones, -W (P e)_m; then z = P e.
                _place(e[b.rows], b, -_apply(self.inv[-1], b, ep[b.rows]))
        z = e @ self.pad
        for b, inv in zip(pat.buckets, self.inv):
            if b.observed:
                z[b.rows] = 0.0
                _place(z[b.rows], b, _apply(inv, b, e[b.rows]))
        self.z = z[:, :p] * pat.obs
        self.f = float((pat.n * (pat.n_vars * LOG2PI + self.logdet)).sum()
                       + (pat.weight * (e[:, :p] * self.z).sum(axis=1)).sum())
        self._sums = None

    def sums(self):
        """b = sum_g n_g P_g, sum_r z_r z_r' and sum_r z_r (weighted); and the pieces
        of b: P Omega (Omega = the W_g summed into their blocks) and the V_g so summed."""
        if self._sums is None:
            pat, p = self.pat, self.p
            omega = np.zeros((self.size, self.size))
            phi = np.zeros((self.size, self.size))
            for b, inv in zip(pat.buckets, self.inv):
                placed = _scatter(pat.n[b.patterns, None, None] * inv, b.idx, self.size)
                if b.observed:
                    phi += placed
                else:
                    omega += placed
            p_omega = self.P @ omega[:p, :p]
            b_sum = pat.n_schur * self.P - p_omega @ self.P + phi[:p, :p]
            wz = pat.weight[:, None] * self.z
            # Sums over rows by matrix products (BLAS gemm: each entry is one thread's
            # dot product, so the bits do not depend on the number of threads, as they
            # would with gemv) and numpy's own reductions.
            zz = self.z.T @ wz
            self._sums = (0.5 * (b_sum + b_sum.T), 0.5 * (zz + zz.T), wz.sum(axis=0), p_omega, wz)
        return self._sums

    def gradient(self) -> tuple[np.ndarray, np.ndarray]:
        """d(-2 log L)/dSigma (each entry as if all were free, symmetric) and d/dmu."""
        b_sum, zz, zsum, _, _ = self.sums()
        return b_sum - zz, -2.0 * zsum

    def gradient_derivative(self, dsigma: np.ndarray, dmu: np.ndarray):
        """Exact derivatives of gradient() along directions (dsigma[j], dmu[j]) of
        (Sigma, mu): arrays (nb, p, p) and (nb, p).

        With u_r = P_g (dSigma z_r + dmu): the derivative of sum_g n_g P_g is
        -sum_g n_g P_g dSigma P_g, of -sum_r z_r z_r' is sum_r (u_r z_r' + z_r u_r'),
        of -2 sum_r z_r is 2 sum_r u_r.
        """
        pat, p, size, P = self.pat, self.p, self.size, self.P
        _, _, _, p_omega, wz = self.sums()
        nb = len(dsigma)
        x = np.zeros((nb, size, size))  # P dSigma P, for the missing blocks
        x[:, :p, :p] = P @ dsigma @ P
        a = np.zeros((nb, size, size))  # dSigma, for the observed blocks
        a[:, :p, :p] = dsigma
        schur = np.zeros((nb, size, size))
        direct = np.zeros((nb, size, size))
        for b, inv in zip(pat.buckets, self.inv):
            n = pat.n[b.patterns, None, None]
            if b.observed:
                direct += _scatter(n * (inv @ _block(a, b) @ inv), b.idx, size)
            else:
                schur += _scatter(n * (inv @ _block(x, b) @ inv), b.idx, size)
        xp = x[:, :p, :p]
        # sum_g n_g P_g dSigma P_g
        pgp = (pat.n_schur * xp - p_omega @ xp - xp @ p_omega.T + P @ schur[:, :p, :p] @ P
               + direct[:, :p, :p])
        rows = len(pat.y0)
        # The products over all rows as single matrix products (directions side by side).
        v = np.zeros((nb, rows, size))
        v[:, :, :p] = (self.z @ dsigma.transpose(1, 0, 2).reshape(p, nb * p)).reshape(rows, nb, p).transpose(1, 0, 2)
        v[:, :, :p] += dmu[:, None, :]
        vp = (v.reshape(nb * rows, size) @ self.pad).reshape(nb, rows, size)
        corr = np.zeros_like(vp)
        for b, inv in zip(pat.buckets, self.inv):
            if not b.observed:
                _place(corr[:, b.rows], b, _apply(inv, b, vp[:, b.rows]))
        u = vp - (corr.reshape(nb * rows, size) @ self.pad).reshape(nb, rows, size)
        for b, inv in zip(pat.buckets, self.inv):
            if b.observed:
                u[:, b.rows] = 0.0
                _place(u[:, b.rows], b, _apply(inv, b, v[:, b.rows]))
        u = u[:, :, :p] * pat.obs
        m = (u.transpose(0, 2, 1).reshape(nb * p, rows) @ wz).reshape(nb, p, p)
        dg_sigma = -pgp + m + m.transpose(0, 2, 1)
        dg_mu = 2.0 * (pat.weight[:, None] * u).sum(axis=1)
        return 0.5 * (dg_sigma + dg_sigma.transpose(0, 2, 1)), dg_mu

    def hessian(self, dsigma: np.ndarray, dmu: np.ndarray, batch: int = 2_000_000,
                factors: tuple | None = None) -> np.ndarray:
        """J' H J: the Hessian of -2 log L with respect to (Sigma, mu), in the parameters
        whose Jacobian J is dsigma (k, p, p) and dmu (k, p); the whole Hessian where Sigma
        and mu are linear in them (a model's own curvature is to be added otherwise).

        Column j is the derivative of the gradient along direction j mapped by J'.
        Directions that move only mu need no column: their rows come by symmetry, their
        block among themselves is 2 dmu b dmu'. factors: (dictionary, cells) for
        directions whose d Sigma is a sum of coef (d1 d2' + d2 d1') over dictionary
        columns d1, d2 and whose d mu is 0 (cells: rows of direction, d1, d2, coef),
        done by products of per-pattern vectors (factor_derivatives); the others by
        gradient_derivative, in batches of about `batch` work-array entries.
        """
        k = len(dsigma)
        flat = dsigma.reshape(k, -1)
        moves = np.any(flat != 0.0, axis=1)
        mean_only = np.flatnonzero(~moves)
        hess = np.zeros((k, k))
        factored = np.zeros(k, dtype=bool)
        if factors is not None:
            dictionary, cells = factors
            cells = merge_cells(cells)
            # Two products per cell: worth it for few cells (covariances), not for a
            # lagged effect held equal over many waves.
            count = np.bincount(cells[:, 0].astype(int), minlength=k)
            factored = (count > 0) & (count <= FACTORED_CELLS) & moves & ~np.any(dmu != 0.0, axis=1)
            cells = cells[factored[cells[:, 0].astype(int)]]
            if len(cells):
                done, dg_sigma, dg_mu = self.factor_derivatives(dictionary, cells)
                hess[:, done] = flat @ dg_sigma.reshape(len(done), -1).T + dmu @ dg_mu.T
        dense = np.flatnonzero(moves & ~factored)
        per = max(1, batch // (len(self.pat.y0) * self.size))
        for lo in range(0, len(dense), per):
            part = dense[lo:lo + per]
            dg_sigma, dg_mu = self.gradient_derivative(dsigma[part], dmu[part])
            hess[:, part] = flat @ dg_sigma.reshape(len(part), -1).T + dmu @ dg_mu.T
        moves_sigma = np.flatnonzero(moves)
        hess[np.ix_(moves_sigma, mean_only)] = hess[np.ix_(mean_only, moves_sigma)].T
        hess[np.ix_(mean_only, mean_only)] = 2.0 * dmu[mean_only] @ self.sums()[0] @ dmu[mean_only].T
        return 0.5 * (hess + hess.T)

    def factor_derivatives(self, dictionary: np.ndarray, cells: np.ndarray):
        """gradient_derivative for directions d Sigma = sum coef (d1 d2' + d2 d1'), d mu = 0,
        over the columns of dictionary (p, nD): the directions (those in cells, sorted),
        dG_sigma (n, p, p) and dg_mu (n, p).

        With q_gd = P_g d, z_r's products with d, zeta_rd, and per pattern
        s_gd = sum_r w_r zeta_rd z_r and sigma_gd = sum_r w_r zeta_rd: u_r = P_g dSigma z_r
        is sum coef (q_g,d1 zeta_r,d2 + q_g,d2 zeta_r,d1), so that, with Q_d, S_d the
        (G, p) arrays of q and s and N the pattern counts, sum_g n_g P_g dSigma P_g =
        sum coef (Q_d1' N Q_d2 + Q_d2' N Q_d1) and sum_r u_r w_r z_r' = sum coef (Q_d1' S_d2 +
        Q_d2' S_d1): dG_sigma = M + M' with M = sum coef (Q_d1' K_d2 + Q_d2' K_d1),
        K = S - N Q / 2, and dg_mu = 2 sum coef (Q_d1' sigma_d2 + Q_d2' sigma_d1). Each
        direction costs a few products of the patterns' p-vectors instead of work on
        every pattern's block.
        """
        pat, p, P = self.pat, self.p, self.P
        nd, n_pat = dictionary.shape[1], pat.n_patterns
        padded = np.zeros((self.size, nd))
        padded[:p] = dictionary
        pd_ = np.zeros((self.size, nd))
        pd_[:p] = P @ dictionary
        q = np.empty((nd, n_pat, p))  # q[d, g] = P_g d
        q[:] = pd_[:p].T[:, None, :]
        for b, inv in zip(pat.buckets, self.inv):
            g = inv.shape[0]
            if b.observed:
                placed = np.zeros((g, self.size, nd))
                placed[np.arange(g)[:, None], b.idx] = inv @ padded[b.idx]
                q[:, b.patterns] = placed[:, :p].transpose(2, 0, 1)
            else:
                u = self.pad[:p][:, b.idx].transpose(1, 0, 2)
                q[:, b.patterns] -= (u @ (inv @ pd_[b.idx])).transpose(2, 0, 1)
        zeta = pat.weight[:, None] * (self.z @ dictionary)
        starts = np.searchsorted(pat.row_pattern, np.arange(n_pat))
        kq = np.empty_like(q)  # s_gd - n_g q_gd / 2, a few dictionary columns at a time
        for lo in range(0, nd, 16):
            part = slice(lo, min(lo + 16, nd))
            rows = np.add.reduceat(zeta[:, part, None] * self.z[:, None, :], starts, axis=0)
            kq[part] = rows.transpose(1, 0, 2) - 0.5 * pat.n[None, :, None] * q[part]
        sig = np.add.reduceat(zeta, starts, axis=0).T  # (nD, G)
        order = np.argsort(cells[:, 0], kind="stable")
        cells = cells[order]
        bounds = np.flatnonzero(np.r_[True, cells[1:, 0] != cells[:-1, 0], True])
        directions = cells[bounds[:-1], 0].astype(int)
        dg_sigma = np.zeros((len(directions), p, p))
        dg_mu = np.zeros((len(directions), p))
        for j, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
            for _, d1, d2, coef in cells[lo:hi]:
                d1, d2 = int(d1), int(d2)
                dg_sigma[j] += coef * (q[d1].T @ kq[d2] + q[d2].T @ kq[d1])
                # numpy's reduction, not BLAS's matrix-vector product (bits by thread count)
                dg_mu[j] += coef * (np.einsum("gp,g->p", q[d1], sig[d2]) + np.einsum("gp,g->p", q[d2], sig[d1]))
        return directions, dg_sigma + dg_sigma.transpose(0, 2, 1), 2.0 * dg_mu

    def pattern_inverses(self) -> np.ndarray:
        """P_g for every pattern: (G, p, p)."""
        pat, p = self.pat, self.p
        pg = np.broadcast_to(self.P, (pat.n_patterns, p, p)).copy()
        for b, inv in zip(pat.buckets, self.inv):
            if b.observed:
                placed = np.zeros((inv.shape[0], self.size, self.size))
                rows = np.arange(inv.shape[0])[:, None, None]
                placed[rows, b.idx[:, :, None], b.idx[:, None, :]] = inv
                pg[b.patterns] = placed[:, :p, :p]
            else:
                u = self.pad[:p][:, b.idx].transpose(1, 0, 2)
                pg[b.patterns] -= u @ inv @ u.transpose(0, 2, 1)
        return pg

    def moment_scores(self) -> np.ndarray:
        """Per row, d(-2 log L_r)/d(mu, vech Sigma) with vech's off-diagonal entries
        counted twice: (R, p + p(p+1)/2). A parameter's score is this times the
        Jacobian of (mu, vech Sigma) (moment_jacobian)."""
        il = np.tril_indices(self.p)
        twice = np.where(il[0] == il[1], 1.0, 2.0)
        pg = self.pattern_inverses()[:, il[0], il[1]][self.pat.row_pattern]
        zz = self.z[:, il[0]] * self.z[:, il[1]]
        return np.concatenate([-2.0 * self.z, twice * (pg - zz)], axis=1)


def saturated_directions(p: int) -> tuple[np.ndarray, np.ndarray]:
    """The Jacobian of (Sigma, mu) in the saturated model's parameters (mu, vech Sigma),
    in moment_scores' order: dsigma (k, p, p), dmu (k, p), k = p + p(p+1)/2."""
    il = np.tril_indices(p)
    k = p + len(il[0])
    dsigma, dmu = np.zeros((k, p, p)), np.zeros((k, p))
    dmu[np.arange(p), np.arange(p)] = 1.0
    j = p + np.arange(len(il[0]))
    dsigma[j, il[0], il[1]] = 1.0
    dsigma[j, il[1], il[0]] = 1.0
    return dsigma, dmu


def moment_jacobian(dsigma: np.ndarray, dmu: np.ndarray) -> np.ndarray:
    """d(mu, vech Sigma)/d theta as (p + p(p+1)/2, k), from d Sigma (k, p, p), d mu (k, p)."""
    il = np.tril_indices(dmu.shape[1])
    return np.concatenate([dmu.T, dsigma[:, il[0], il[1]].T], axis=0)


def minus2loglik(sigma: np.ndarray, mu: np.ndarray, pat: Patterns, grad: bool = False):
    """-2 log L of N(mu, sigma) for the data in pat; optionally d/dSigma, d/dmu.

    The Sigma gradient is with respect to each entry as if all were free
    (symmetric matrix); the chain rule to parameters sums over both triangles.
    """
    ev = Evaluation(sigma, mu, pat)
    if not grad:
        return ev.f
    return (ev.f, *ev.gradient())


def saturated_em(pat: Patterns, tol: float = 1e-12, max_iter: int = 20000, start=None):
    """Unrestricted mean vector and covariance matrix by EM (the h1 model), accelerated
    by SQUAREM (Varadhan & Roland, 2008).

    start: (mu, sigma) to start from, e.g. a fitted model's implied moments, which lie
    close to the h1 estimates; default: observed means and variances. Returns mu,
    sigma, loglik, and the number of EM steps. Stops when the log-likelihood at the
    start of a cycle has changed by less than tol (absolute) since the last one.

    A cycle takes two EM steps, x1 = F(x0) and x2 = F(x1), and extrapolates along
    them, x0 - 2a r + a^2 v with r = x1 - x0, v = x2 - 2 x1 + x0, a = -|r|/|v| (at most
    -1, which gives x2); the next cycle starts from F of that point, or from x2 where the
    extrapolation leaves the positive-definite region or lowers the likelihood below
    that at x1. EM alone converges linearly, at the rate of the missing information.
    """
    if start is not None:
        mu, sigma = (np.array(a, dtype=float) for a in start)
        if np.linalg.eigvalsh(sigma)[0] <= 0:
            # An improper fit's implied moments: EM cannot start there.
            start = None
    if start is None:
        mu, var, _ = independence_fit(pat)
        sigma = np.diag(var)
    n_tot = float(pat.n_rows)

    def step(mu, sigma):
        """One EM step from (mu, sigma), and the log-likelihood there (None where sigma
        is not positive definite)."""
        try:
            ev = Evaluation(sigma, mu, pat)
        except np.linalg.LinAlgError:
            return None
        # E-step in sums: the rows' conditional means are mu + Sigma z_r, their
        # conditional covariances sum to N Sigma - Sigma b Sigma.
        b_sum, zz, zsum, _, _ = ev.sums()
        shift = sigma @ zsum / n_tot
        new = sigma @ (zz - b_sum) @ sigma / n_tot + sigma - np.outer(shift, shift)
        return mu + shift, 0.5 * (new + new.T), -0.5 * ev.f

    def em_step(mu, sigma):
        # A plain EM step leaves the positive-definite region only where the data
        # cannot identify the covariance matrix (too few rows for their patterns).
        result = step(mu, sigma)
        if result is None:
            raise np.linalg.LinAlgError("saturated model: the covariance matrix is not estimable from these rows")
        return result

    old = -np.inf
    steps = 0
    while steps < max_iter:
        mu1, sigma1, ll = em_step(mu, sigma)
        steps += 1
        if ll - old < tol:
            break
        old = ll
        mu2, sigma2, ll1 = em_step(mu1, sigma1)
        steps += 1
        r = np.concatenate([mu1 - mu, (sigma1 - sigma).ravel()])
        v = np.concatenate([mu2 - 2 * mu1 + mu, (sigma2 - 2 * sigma1 + sigma).ravel()])
        a = min(-np.sqrt((r @ r) / (v @ v)), -1.0) if v @ v > 0 else -1.0
        extrapolated = None
        if a < -1.0:
            extrapolated = step(mu - 2 * a * (mu1 - mu) + a * a * (mu2 - 2 * mu1 + mu),
                                sigma - 2 * a * (sigma1 - sigma) + a * a * (sigma2 - 2 * sigma1 + sigma))
            steps += 1
        if extrapolated is not None and extrapolated[2] >= ll1:
            mu, sigma = extrapolated[0], extrapolated[1]
        else:
            mu, sigma = mu2, sigma2
    return mu, sigma, ll, steps


def independence_fit(pat: Patterns):
    """Baseline model: independent variables, free means and variances, FIML.

    Under independence the likelihood factorises by variable, so the FIML
    estimates are each variable's observed mean and (divisor n) variance.
    Returns mu, var, loglik.
    """
    wo = pat.weight[:, None] * pat.obs
    cnt = wo.sum(axis=0)
    mu = (wo * pat.y0).sum(axis=0) / cnt
    var = (wo * (pat.y0 - mu[None]) ** 2).sum(axis=0) / cnt
    ll = -0.5 * float((cnt * (LOG2PI + np.log(var) + 1.0)).sum())
    return mu, var, ll
