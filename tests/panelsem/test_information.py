"""The exact observed information (Hessian of -2 log L) and the rows' scores, checked
against finite differences and scipy's normal density; the saturated model's EM from a
warm start; and bytes that do not depend on the number of BLAS threads."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from panelsem import fiml
from panelsem import simulate as ws
from panelsem.fit import fit_model
from panelsem.problem import FIMLProblem
from panelsem.spec import build_riclpm

AE = {"A": "a_", "E": "e_"}


def mixed_missing(seed=0, n=90, p=7):
    """Rows missing a few variables and rows missing most of them, so that both ways of
    handling a pattern (through its missing block, through its observed block) occur."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((p, p))
    sigma = a @ a.T + p * np.eye(p)
    mu = rng.standard_normal(p)
    y = rng.multivariate_normal(mu, sigma, size=n)
    y[rng.random(y.shape) < 0.15] = np.nan
    for i in range(0, n, 5):
        y[i, rng.permutation(p)[:p - 2]] = np.nan
    return y, sigma, mu


def test_both_kinds_of_pattern_match_scipy():
    y, sigma, mu = mixed_missing()
    pat = fiml.patterns_from_array(y)
    assert {b.observed for b in pat.buckets} == {True, False}
    ref = sum(multivariate_normal(mu[o], sigma[np.ix_(o, o)]).logpdf(row[o])
              for row in y for o in [np.isfinite(row)] if o.any())
    assert fiml.minus2loglik(sigma, mu, pat) == pytest.approx(-2 * ref, rel=1e-12)


def test_gradient_derivative_matches_finite_differences():
    """d/dt of the (Sigma, mu) gradient along random symmetric directions, by central
    differences of the analytic gradient."""
    y, sigma, mu = mixed_missing(seed=1)
    pat = fiml.patterns_from_array(y, np.random.default_rng(5).integers(0, 3, len(y)))
    rng = np.random.default_rng(2)
    b = rng.standard_normal((3, len(mu), len(mu)))
    dsigma, dmu = b + b.transpose(0, 2, 1), rng.standard_normal((3, len(mu)))
    dg_sigma, dg_mu = fiml.Evaluation(sigma, mu, pat).gradient_derivative(dsigma, dmu)
    h = 1e-5
    for j in range(3):
        up = fiml.Evaluation(sigma + h * dsigma[j], mu + h * dmu[j], pat).gradient()
        down = fiml.Evaluation(sigma - h * dsigma[j], mu - h * dmu[j], pat).gradient()
        np.testing.assert_allclose(dg_sigma[j], (up[0] - down[0]) / (2 * h), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(dg_mu[j], (up[1] - down[1]) / (2 * h), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", [{}, {"lagged": "free"}, {"random_intercepts": False}, {"slopes": True}])
def test_model_hessian_matches_finite_differences(kind):
    """The exact Hessian (likelihood and model curvature) against central differences
    of the analytic gradient (whose own test is in test_fiml.py), off the optimum."""
    data = ws.simulate_wide(n=120, waves=4, constructs=AE, seed=3, dropout=0.15)
    prob = FIMLProblem(data, build_riclpm(AE, [1, 2, 3, 4], **kind))
    assert {b.observed for b in prob.pat.buckets} == {True, False}
    x = prob.start_values() + 0.01 * np.random.default_rng(0).standard_normal(prob.k)
    hess = prob.hessian(x)
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    fd = np.empty_like(hess)
    for i in range(prob.k):
        e = np.zeros(prob.k)
        e[i] = h[i]
        fd[:, i] = (prob.fg(x + e)[1] - prob.fg(x - e)[1]) / (2 * h[i])
    fd = 0.5 * (fd + fd.T)
    assert np.max(np.abs(hess - fd)) < 1e-7 * np.max(np.abs(fd))


@pytest.mark.parametrize("kind", [{}, {"lagged": "free"}, {"slopes": True}])
def test_factored_directions_equal_the_general_ones(kind):
    """Directions that move Sigma by a few dictionary outer products (covariances, lagged
    effects) go by per-pattern vectors; the general derivative gives the same Hessian."""
    data = ws.simulate_wide(n=120, waves=4, constructs=AE, seed=3, dropout=0.15)
    prob = FIMLProblem(data, build_riclpm(AE, [1, 2, 3, 4], **kind))
    x = prob.start_values() + 0.01 * np.random.default_rng(1).standard_normal(prob.k)
    ev = prob.evaluation(x)
    _, _, m, c = prob.matrices.implied(x)
    dsigma, dmu = prob.matrices.jacobian(m, c)
    dictionary, cells = prob.matrices.factors(m, c)
    rebuilt = np.zeros_like(dsigma)
    for j, d1, d2, coef in cells:
        rebuilt[int(j)] += coef * (np.outer(dictionary[:, int(d1)], dictionary[:, int(d2)])
                                   + np.outer(dictionary[:, int(d2)], dictionary[:, int(d1)]))
    covered = np.unique(cells[:, 0]).astype(int)
    np.testing.assert_allclose(rebuilt[covered], dsigma[covered], rtol=1e-12, atol=1e-12)
    general = ev.hessian(dsigma, dmu)
    factored = ev.hessian(dsigma, dmu, factors=(dictionary, cells))
    np.testing.assert_allclose(factored, general, rtol=1e-10, atol=1e-9 * np.abs(general).max())


def test_row_scores_are_the_rows_gradients():
    """Per row, d(-2 log L_r)/d(mu, vech Sigma) by central differences of scipy's
    log-density of that row alone; weighted, they sum to the whole gradient."""
    y, sigma, mu = mixed_missing(seed=3, n=40, p=4)
    w = np.random.default_rng(1).integers(1, 3, len(y)).astype(float)
    pat = fiml.patterns_from_array(y, w)
    ev = fiml.Evaluation(sigma, mu, pat)
    scores = ev.moment_scores()
    dsigma, dmu = fiml.saturated_directions(len(mu))
    g_sigma, g_mu = ev.gradient()
    total = fiml.moment_jacobian(g_sigma[None], g_mu[None])[:, 0]
    twice = np.r_[np.ones(len(mu)), np.where(np.subtract(*np.tril_indices(len(mu))) == 0, 1.0, 2.0)]
    np.testing.assert_allclose(pat.weight @ scores, twice * total, rtol=1e-9, atol=1e-9)
    h = 1e-6
    for r in (0, 5, 17):
        row = pat.y0[r]
        o = pat.obs[r].astype(bool)

        def m2ll(j, t):
            s, m = sigma + t * dsigma[j], mu + t * dmu[j]
            return -2 * multivariate_normal(m[o], s[np.ix_(o, o)]).logpdf(row[o])

        fd = [(m2ll(j, h) - m2ll(j, -h)) / (2 * h) for j in range(len(dsigma))]
        np.testing.assert_allclose(scores[r], fd, rtol=1e-5, atol=1e-6)


def test_saturated_em_from_the_model_is_the_same_h1():
    data = ws.simulate_wide(n=150, waves=5, constructs=AE, seed=11)
    prob = FIMLProblem(data, build_riclpm(AE, [1, 2, 3, 4, 5]))
    res = fit_model(data, build_riclpm(AE, [1, 2, 3, 4, 5]), se=False, fit_measures=False)
    sigma, mu, _, _ = prob.matrices.implied(res.params)
    cold = fiml.saturated_em(prob.pat)
    warm = fiml.saturated_em(prob.pat, start=(mu, sigma))
    assert warm[2] == pytest.approx(cold[2], abs=1e-8)
    np.testing.assert_allclose(warm[1], cold[1], atol=1e-5)
    assert warm[3] <= cold[3]


def test_bytes_do_not_depend_on_blas_threads(tmp_path):
    """The CLI's output, fitted once with one BLAS thread and once with two."""
    data = ws.simulate_wide(n=200, waves=5, constructs=AE, seed=2)
    csv = tmp_path / "wide.csv"
    data.to_csv(csv, index=False)
    outputs = []
    for threads in ("1", "2"):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads}
        out = tmp_path / threads
        subprocess.run([sys.executable, "-m", "panelsem", "fit", str(csv), "--construct", "A=a_",
                        "--construct", "E=e_", "--waves", "1-5", "--out", str(out)],
                       check=True, env=env, capture_output=True)
        outputs.append([(out / name).read_bytes() for name in ("estimates.csv", "fit.csv", "diagnostics.json")])
    assert outputs[0] == outputs[1]
    assert pd.read_csv(tmp_path / "1" / "estimates.csv")["se"].notna().any()
