"""Expected (Fisher) information of a model at given parameters, for data with
missing-data patterns of known frequencies: what a sample of a planned design would
tell about the parameters before any data are drawn.

One person whose pattern observes the variables o contributes, for a normal model
with mean mu(x) and covariance Sigma(x),

    I_o[i, j] = 1/2 tr(S^-1 dS_i S^-1 dS_j) + dmu_i' S^-1 dmu_j,   S = Sigma_oo(x),

with dS_i, dmu_i the derivatives of Sigma_oo and mu_o with respect to parameter i.
A sample with n_g persons in pattern g has information sum_g n_g I_g, and the
standard errors of N persons with pattern shares w_g are sqrt(diag(inv(N sum_g w_g I_g))).

The patterns are taken as fixed (missing completely at random given the pattern).
Under missing at random, where who goes missing depends on earlier values, this
expected information is only an approximation of the observed information that a
fit reports (Kenward & Molenberghs, 1998, Statistical Science 13:236-247).

The derivatives are analytic, from the model's matrices (model.Matrices):
Sigma = Lambda C Psi C' Lambda' + Theta and mu = Lambda C alpha + nu with
C = (I - Beta)^-1, so dC = C dBeta C.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from panelsem.model import Matrices
from panelsem.spec import ModelSpec


def moment_derivatives(matrices: Matrices, x: np.ndarray):
    """Sigma, mu and their derivatives (k, p, p) and (k, p) with respect to each free
    parameter at x, in the order of matrices.observed and matrices.names."""
    sigma, mu, m, c = matrices.implied(x)
    k, p = matrices.k, len(matrices.observed)
    d_sigma, d_mu = np.zeros((k, p, p)), np.zeros((k, p))
    c_alpha = c @ matrices.alpha[:, 0]
    # Psi C' Lambda' pushed through C: the factor that Beta and Lambda multiply.
    g = c @ matrices.psi @ c.T @ matrices.lambda_.T
    for name, (rows, cols), ids in matrices.locations:
        cells = np.arange(len(ids))
        ds, dm = np.zeros((len(ids), p, p)), np.zeros((len(ids), p))
        if name == "psi":
            ds = m[:, rows].T[:, :, None] * m[:, cols].T[:, None, :]
        elif name == "theta":
            ds[cells, rows, cols] = 1.0
        elif name == "beta":
            half = m[:, rows].T[:, :, None] * g[cols][:, None, :]
            ds = half + half.transpose(0, 2, 1)
            dm = m[:, rows].T * c_alpha[cols][:, None]
        elif name == "lambda_":
            half = np.zeros((len(ids), p, p))
            half[cells, rows, :] = g[cols]
            ds = half + half.transpose(0, 2, 1)
            dm[cells, rows] = c_alpha[cols]
        elif name == "alpha":
            dm = m[:, rows].T
        else:  # nu
            dm[cells, rows] = 1.0
        np.add.at(d_sigma, ids, ds)
        np.add.at(d_mu, ids, dm)
    return sigma, mu, d_sigma, d_mu


def pattern_information(sigma, d_sigma, d_mu, observed: np.ndarray) -> np.ndarray:
    """The information of one person who observes the variables `observed` (a mask)."""
    o = np.flatnonzero(observed)
    k = len(d_sigma)
    if len(o) == 0:
        return np.zeros((k, k))
    # With S = L L', tr(S^-1 A S^-1 B) = <L^-1 A L^-T, L^-1 B L^-T>: one matrix product.
    # Each factor is applied as one 2-d product over all parameters (BLAS), and since
    # every dS_i is symmetric, L^-1 Y = (Y' L^-T)'.
    l_inv_t = np.linalg.inv(np.linalg.cholesky(sigma[np.ix_(o, o)])).T
    q = len(o)
    right = (d_sigma[:, o][:, :, o].reshape(k * q, q) @ l_inv_t).reshape(k, q, q)
    flat = (right.transpose(0, 2, 1).reshape(k * q, q) @ l_inv_t).reshape(k, q * q)
    u = d_mu[:, o] @ l_inv_t
    return 0.5 * flat @ flat.T + u @ u.T


def expected_information(spec: ModelSpec, x, masks: pd.DataFrame | None = None, weights=None) -> pd.DataFrame:
    """sum_g weights[g] I_g at parameters x (in the order of the spec's free parameters,
    as FitResult.params), over the missing-data patterns in `masks`: one row per
    pattern, a boolean column per observed variable of the spec (True: observed).
    Without masks, one complete pattern; without weights, one person per pattern.
    With weights that are the patterns' shares, the result is the information per
    person. Rows and columns are named by the parameters.
    """
    matrices = Matrices(spec)
    x = np.asarray(x, dtype=float)
    if x.shape != (matrices.k,):
        raise ValueError(f"x has {x.size} values; this model has {matrices.k} parameters")
    if masks is None:
        masks = pd.DataFrame([[True] * len(matrices.observed)], columns=matrices.observed)
    absent = sorted(set(matrices.observed) - set(masks.columns))
    if absent:
        raise KeyError(f"masks lack columns for the observed variables {absent}")
    observed = masks[matrices.observed].to_numpy(dtype=bool)
    weights = np.ones(len(observed)) if weights is None else np.asarray(weights, dtype=float)
    if weights.shape != (len(observed),) or np.any(weights < 0):
        raise ValueError("weights must be one non-negative number per pattern")
    sigma, _, d_sigma, d_mu = moment_derivatives(matrices, x)
    info = np.zeros((matrices.k, matrices.k))
    for mask, weight in zip(observed, weights):
        if weight > 0:
            info += weight * pattern_information(sigma, d_sigma, d_mu, mask)
    return pd.DataFrame(0.5 * (info + info.T), index=matrices.names, columns=matrices.names)


def sampling_covariance(information: pd.DataFrame, n: float) -> pd.DataFrame:
    """The covariance matrix of the estimates of n persons, from the information per person."""
    vcov = np.linalg.inv(information.to_numpy() * n)
    return pd.DataFrame(0.5 * (vcov + vcov.T), index=information.index, columns=information.columns)
