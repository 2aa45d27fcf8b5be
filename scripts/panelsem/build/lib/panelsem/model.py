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
