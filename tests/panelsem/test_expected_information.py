"""Expected information, checked against the FIML engine's own Hessian (finite
differences of its analytic gradient) on data whose per-pattern sample moments equal
the model's: there the observed information is the expected information."""

import numpy as np
import pandas as pd
import pytest

from panelsem import simulate as ws
from panelsem.fit import fit_model
from panelsem.information import expected_information, moment_derivatives, sampling_covariance
from panelsem.model import Matrices
from panelsem.problem import FIMLProblem
from panelsem.spec import build_riclpm

AE = {"A": "a_", "E": "e_"}
WAVES = [1, 2, 3, 4]


@pytest.fixture(scope="module")
def model():
    spec = build_riclpm(AE, WAVES)
    fit = fit_model(ws.simulate_wide(n=300, waves=4, constructs=AE, seed=11), spec, se=False, fit_measures=False)
    return spec, fit.params


def moment_matched_rows(sigma, mu, observed, columns):
    """2 q rows (q observed variables) whose mean is mu_o and whose covariance, with
    divisor n, is Sigma_oo: mu_o +- sqrt(q) times each column of the Cholesky factor."""
    o = np.flatnonzero(observed)
    factor = np.linalg.cholesky(sigma[np.ix_(o, o)]) * np.sqrt(len(o))
    rows = np.full((2 * len(o), len(columns)), np.nan)
    rows[:, o] = np.vstack([mu[o] + factor.T, mu[o] - factor.T])
    return pd.DataFrame(rows, columns=columns)


def test_moment_derivatives_match_finite_differences(model):
    spec, x = model
    matrices = Matrices(spec)
    _, _, d_sigma, d_mu = moment_derivatives(matrices, x)
    h = 1e-6
    for i in range(matrices.k):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        s_up, m_up, _, _ = matrices.implied(up)
        s_down, m_down, _, _ = matrices.implied(down)
        np.testing.assert_allclose(d_sigma[i], (s_up - s_down) / (2 * h), atol=1e-6)
        np.testing.assert_allclose(d_mu[i], (m_up - m_down) / (2 * h), atol=1e-6)


@pytest.mark.parametrize("layout", ["complete", "patterns"])
def test_information_equals_the_hessian_at_moment_matched_data(model, layout):
    spec, x = model
    matrices = Matrices(spec)
    columns = matrices.observed
    sigma, mu, _, _ = matrices.implied(x)
    p = len(columns)
    if layout == "complete":
        masks = np.ones((1, p), bool)
        copies = [1]
    else:  # a complete pattern, dropout after wave 2, a skipped cell; different frequencies
        wave = np.array([int(c.split("_")[1]) for c in columns])
        skipped = np.ones(p, bool)
        skipped[3] = False
        masks = np.vstack([np.ones(p, bool), wave <= 2, skipped])
        copies = [3, 2, 1]
    frames = [moment_matched_rows(sigma, mu, m, columns) for m, c in zip(masks, copies) for _ in range(c)]
    data = pd.concat(frames, ignore_index=True)
    prob = FIMLProblem(data, spec)
    hessian = prob.hessian(x)
    counts = [2 * m.sum() * c for m, c in zip(masks, copies)]
    info = expected_information(spec, x, pd.DataFrame(masks, columns=columns), counts)
    assert list(info.index) == prob.names
    np.testing.assert_allclose(info.to_numpy(), 0.5 * hessian, rtol=1e-4, atol=1e-4 * np.abs(hessian).max())


def test_sampling_covariance_shrinks_with_n(model):
    spec, x = model
    info = expected_information(spec, x)
    v100, v400 = sampling_covariance(info, 100), sampling_covariance(info, 400)
    np.testing.assert_allclose(v100.to_numpy(), 4 * v400.to_numpy(), rtol=1e-10)
    assert np.all(np.diag(v100) > 0)


def test_a_pattern_that_observes_nothing_adds_nothing(model):
    spec, x = model
    columns = Matrices(spec).observed
    masks = pd.DataFrame([[True] * len(columns), [False] * len(columns)], columns=columns)
    both = expected_information(spec, x, masks, [1.0, 5.0])
    np.testing.assert_allclose(both.to_numpy(), expected_information(spec, x).to_numpy())
