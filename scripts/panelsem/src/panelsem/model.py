"""The matrices of a ModelSpec and its free parameters (LISREL-style, all variables
in one latent vector):

    Sigma = Lambda C Psi C' Lambda' + Theta,   mu = Lambda C alpha + nu,   C = (I - Beta)^-1

Lambda loads observed on latent variables, Beta regresses latents on latents, Psi and
Theta are the latent and observed residual (co)variances, nu the observed intercepts
and alpha the latent means.

Written here rather than taken from semopy, whose ModelMeans holds the same
matrices, because importing semopy takes about 1.7 s (it loads scikit-learn and
statsmodels), more than a whole command-line fit may take. The variable and
parameter orders are those semopy gives the same syntax (variables sorted by name;
parameters: loadings, intercepts, regressions, then (co)variances, each in the order
of the specification), and the arithmetic is semopy's, so estimates equal those of
the semopy-based engine this replaced to the last bit.
"""

from __future__ import annotations

import numpy as np

from panelsem.spec import ModelSpec, Param

# Order in which parameter kinds are numbered (see the module docstring).
KIND_ORDER = {"=~": 0, "~1": 1, "~": 2, "~~": 3}


def display_name(p: Param) -> str:
    """A parameter's name: its label, else lavaan-style lhs+op+rhs (e.g. "w_A1~~w_E1")."""
    if p.label is not None:
        return p.label
    return f"{p.lhs}~1" if p.op == "~1" else f"{p.lhs}{p.op}{p.rhs}"


def syntax_order(params: list[Param]) -> list[Param]:
    """The parameters as the syntax lists them: grouped by (lhs, op) in order of first
    appearance (one statement each), then by kind."""
    groups: dict[tuple[str, str], list[Param]] = {}
    for p in params:
        groups.setdefault((p.lhs, p.op), []).append(p)
    ordered = [p for ps in groups.values() for p in ps]
    return sorted(ordered, key=lambda p: KIND_ORDER[p.op])  # stable: syntax order within a kind


class Matrices:
    """The model matrices of one spec, filled from a vector of free parameters.

    names[i], keys[i]: the i-th free parameter's name and (lhs, op, rhs);
    index: (lhs, op, rhs) -> parameter for every location (a label shares one);
    bounds: (lower, upper) per parameter, variances bounded below at 0.
    """

    def __init__(self, spec: ModelSpec):
        self.observed = sorted(spec.observed)
        latent = {p.lhs for p in spec.params if p.op == "=~"}
        unknown = sorted({p.rhs for p in spec.params if p.op == "=~"} - set(self.observed))
        if unknown:
            raise ValueError(f"indicators {unknown} are not observed variables of the spec")
        regressed = {v for p in spec.params if p.op == "~" for v in (p.lhs, p.rhs)}
        if regressed & set(self.observed):
            raise NotImplementedError(f"regressions of or on observed variables: {sorted(regressed & set(self.observed))}")
        latent |= regressed
        self.latent = sorted(latent)
        obs = {v: i for i, v in enumerate(self.observed)}
        lat = {v: i for i, v in enumerate(self.latent)}
        p, m = len(obs), len(lat)
        self.lambda_ = np.zeros((p, m))
        self.beta = np.zeros((m, m))
        self.psi = np.zeros((m, m))
        self.theta = np.zeros((p, p))
        self.alpha = np.zeros((m, 1))
        self.nu = np.zeros((p, 1))
        self.identity = np.identity(m)
        # Per matrix: (rows, cols, parameter) of every free location, in parameter
        # order; the gradient sums over them in this order (np.bincount).
        order = ("beta", "lambda_", "psi", "theta", "alpha", "nu")
        locations = {name: ([], [], []) for name in order}
        self.names, self.keys, self.bounds, self.index = [], [], [], {}
        by_name: dict[str, int] = {}

        def place(param: Param):
            if param.op == "=~":
                return "lambda_", [(obs[param.rhs], lat[param.lhs])]
            if param.op == "~":
                return "beta", [(lat[param.lhs], lat[param.rhs])]
            if param.op == "~1":
                return ("alpha", [(lat[param.lhs], 0)]) if param.lhs in lat else ("nu", [(obs[param.lhs], 0)])
            if param.lhs in lat and param.rhs in lat:
                where, ix = "psi", lat
            elif param.lhs in obs and param.rhs in obs:
                where, ix = "theta", obs
            else:
                raise ValueError(f"covariance between a latent and an observed variable: {param}")
            i, j = ix[param.lhs], ix[param.rhs]
            return where, [(i, j)] if i == j else [(i, j), (j, i)]

        for param in syntax_order(spec.params):
            where, cells = place(param)
            key = (param.lhs, param.op, "" if param.op == "~1" else param.rhs)
            if param.fixed is not None:
                for i, j in cells:
                    getattr(self, where)[i, j] = param.fixed
                continue
            name = display_name(param)
            if name not in by_name:
                by_name[name] = len(self.names)
                self.names.append(name)
                self.keys.append(key)
                variance = param.op == "~~" and param.lhs == param.rhs
                self.bounds.append((0, None) if variance else (None, None))
            j = by_name[name]
            self.index[key] = j
            rows, cols, ids = locations[where]
            for r, c in cells:
                rows.append(r)
                cols.append(c)
                ids.append(j)
        self.k = len(self.names)
        self.locations = [(name, (np.array(r, dtype=int), np.array(c, dtype=int)), np.array(i, dtype=int))
                          for name, (r, c, i) in locations.items() if i]
        self.variance_ids = [i for i, (lhs, op, rhs) in enumerate(self.keys) if op == "~~" and lhs == rhs]

    def lookup(self, lhs: str, op: str, rhs: str = "") -> int | None:
        """The free parameter at (lhs, op, rhs), either order for a covariance; None if fixed."""
        if op == "~1":
            return self.index.get((lhs, "~1", ""))
        i = self.index.get((lhs, op, rhs))
        if i is None and op == "~~":
            i = self.index.get((rhs, op, lhs))
        return i

    def set(self, x: np.ndarray) -> None:
        for name, cells, ids in self.locations:
            getattr(self, name)[cells] = x[ids]

    def implied(self, x: np.ndarray | None = None):
        """Sigma, mu, Lambda C and C at x (or at the last x set)."""
        if x is not None:
            self.set(x)
        c = np.linalg.inv(self.identity - self.beta)
        m = self.lambda_ @ c
        sigma = m @ self.psi @ m.T + self.theta
        mu = (m @ self.alpha + self.nu)[:, 0]
        return sigma, mu, m, c

    def chain_rule(self, g_sigma: np.ndarray, g_mu: np.ndarray, m: np.ndarray, c: np.ndarray) -> np.ndarray:
        """Gradient with respect to the free parameters from that with respect to every
        entry of Sigma and mu (as if all were free), at the matrices last set."""
        ca = c @ self.alpha[:, 0]
        mtgm = (m.T @ g_sigma) @ m
        mtgmu = m.T @ g_mu
        derivative = {
            "beta": lambda: 2.0 * mtgm @ self.psi @ c.T + np.outer(mtgmu, ca),
            "lambda_": lambda: 2.0 * g_sigma @ self.lambda_ @ (c @ self.psi @ c.T) + np.outer(g_mu, ca),
            "psi": lambda: mtgm,
            "theta": lambda: g_sigma,
            "alpha": lambda: mtgmu[:, None],
            "nu": lambda: g_mu[:, None],
        }
        g = np.zeros(self.k)
        for name, cells, ids in self.locations:
            g += np.bincount(ids, weights=derivative[name]()[cells], minlength=self.k)
        return g

    def jacobian(self, m: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """d Sigma / d theta (k, p, p) and d mu / d theta (k, p) at the matrices last set.

        Per free cell, with m = Lambda C, w = m Psi C' and C alpha:
        Beta_ab: m_a w_b' + w_b m_a' and m_a (C alpha)_b; Lambda_ra: e_r w_a' + w_a e_r'
        and e_r (C alpha)_a; Psi_ab: m_a m_b'; Theta_rs: e_r e_s'; alpha_a: m_a;
        nu_r: e_r (symmetric matrices list both cells of a covariance).
        """
        p = len(self.observed)
        w = m @ self.psi @ c.T
        ca = c @ self.alpha[:, 0]
        eye = np.identity(p)
        dsigma, dmu = np.zeros((self.k, p, p)), np.zeros((self.k, p))
        for name, (rows, cols), ids in self.locations:
            if name == "beta":
                one = m[:, rows].T[:, :, None] * w[:, cols].T[:, None, :]
                np.add.at(dsigma, ids, one + one.transpose(0, 2, 1))
                np.add.at(dmu, ids, m[:, rows].T * ca[cols][:, None])
            elif name == "lambda_":
                one = eye[rows][:, :, None] * w[:, cols].T[:, None, :]
                np.add.at(dsigma, ids, one + one.transpose(0, 2, 1))
                np.add.at(dmu, ids, eye[rows] * ca[cols][:, None])
            elif name == "psi":
                np.add.at(dsigma, ids, m[:, rows].T[:, :, None] * m[:, cols].T[:, None, :])
            elif name == "theta":
                np.add.at(dsigma, (ids, rows, cols), 1.0)
            elif name == "alpha":
                np.add.at(dmu, ids, m[:, rows].T)
            else:  # nu
                np.add.at(dmu, (ids, rows), 1.0)
        return dsigma, dmu

    def factors(self, m: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """d Sigma / d theta as sums of coef (d1 d2' + d2 d1') over a dictionary of columns,
        for the parameters that sit only in Psi or Beta: (dictionary (p, nD), cells), a
        row of cells being (parameter, d1, d2, coef). Psi_ab gives m_a m_b' (each of a
        covariance's two cells half of m_a m_b' + m_b m_a'), Beta_ab m_a w_b' + w_b m_a'
        (jacobian's notation). fiml.Evaluation.hessian takes these directions by products
        of per-pattern vectors."""
        w = m @ self.psi @ c.T
        elsewhere = set()
        for name, _, ids in self.locations:
            if name in ("lambda_", "theta"):
                elsewhere.update(int(i) for i in ids)
        columns: dict[tuple[str, int], int] = {}
        vectors, cells = [], []

        def column(kind: str, j: int) -> int:
            if (kind, j) not in columns:
                columns[(kind, j)] = len(vectors)
                vectors.append((m if kind == "m" else w)[:, j])
            return columns[(kind, j)]

        for name, (rows, cols), ids in self.locations:
            if name not in ("psi", "beta"):
                continue
            for r, col, i in zip(rows, cols, ids):
                if int(i) in elsewhere:
                    continue
                if name == "psi":
                    cells.append((i, column("m", r), column("m", col), 0.5))
                else:
                    cells.append((i, column("m", r), column("w", col), 1.0))
        dictionary = np.column_stack(vectors) if vectors else np.zeros((len(self.observed), 0))
        return dictionary, np.array(cells, dtype=float).reshape(-1, 4)

    def second_order(self, g_sigma: np.ndarray, g_mu: np.ndarray, m: np.ndarray, c: np.ndarray) -> np.ndarray:
        """sum over Sigma and mu of the gradient times their second derivatives in theta
        (k, k), at the matrices last set: the part of the Hessian that the curvature of
        the model, not of the likelihood, contributes.

        It is the derivative of chain_rule(g_sigma, g_mu) in theta with the gradient held
        fixed. Sigma and mu are linear in Psi, Theta, alpha and nu, so only the columns
        of parameters in Beta or Lambda are non-zero (and, by symmetry, their rows).
        """
        nonlinear = np.unique(np.concatenate([ids for name, _, ids in self.locations
                                              if name in ("beta", "lambda_")] or [np.zeros(0, int)]))
        out = np.zeros((self.k, self.k))
        if not len(nonlinear):
            return out
        where = np.full(self.k, -1)
        where[nonlinear] = np.arange(len(nonlinear))
        nj = len(nonlinear)
        d = {name: np.zeros((nj,) + getattr(self, name).shape) for name in ("lambda_", "beta", "psi", "alpha")}
        for name, (rows, cols), ids in self.locations:
            hit = where[ids] >= 0
            if name in d and hit.any():
                np.add.at(d[name], (where[ids[hit]], rows[hit], cols[hit]), 1.0)
        lam, psi, alpha = self.lambda_, self.psi, self.alpha[:, 0]
        dl, dpsi, dalpha = d["lambda_"], d["psi"], d["alpha"][:, :, 0]
        k_lat = c @ psi @ c.T
        ca = c @ alpha
        mtgm = m.T @ g_sigma @ m
        mtgmu = m.T @ g_mu
        dc = c @ d["beta"] @ c
        dm = dl @ c + m @ d["beta"] @ c
        dca = dc @ alpha + dalpha @ c.T
        gm = g_sigma @ m
        dmtgm = dm.transpose(0, 2, 1) @ gm + gm.T @ dm
        dmtgmu = dm.transpose(0, 2, 1) @ g_mu
        dk = dc @ psi @ c.T + c @ dpsi @ c.T + c @ psi @ dc.transpose(0, 2, 1)
        derivative = {
            "beta": lambda: (2.0 * (dmtgm @ psi @ c.T + mtgm @ dpsi @ c.T + mtgm @ psi @ dc.transpose(0, 2, 1))
                             + dmtgmu[:, :, None] * ca[None, None, :] + mtgmu[None, :, None] * dca[:, None, :]),
            "lambda_": lambda: 2.0 * (g_sigma @ dl @ k_lat + g_sigma @ lam @ dk) + g_mu[None, :, None] * dca[:, None, :],
            "psi": lambda: dmtgm,
            "alpha": lambda: dmtgmu[:, :, None],
        }
        cols_ = np.zeros((self.k, nj))
        for name, cells, ids in self.locations:
            if name in derivative:
                vals = derivative[name]()[(slice(None),) + cells]  # (nj, cells)
                for j in range(nj):
                    cols_[:, j] += np.bincount(ids, weights=vals[j], minlength=self.k)
        out[:, nonlinear] = cols_
        out[nonlinear, :] = cols_.T
        return out
