"""The chi-bar-square test of a restriction that puts variances on their boundary (CLPM
in RI-CLPM, Stoel et al. 2006): orthant probabilities against scipy's multivariate
normal, mixture weights against a Monte Carlo projection onto the orthant, and the test
on fitted models."""

import numpy as np
import pytest
from scipy import optimize
from scipy.stats import chi2, multivariate_normal

from panelsem import simulate as ws
from panelsem.fit import fit_model
from panelsem.fit_measures import chibar_square_test, chibar_weights, orthant_probability
from panelsem.spec import build_riclpm

AE = {"A": "a_", "E": "e_"}


def random_cov(q, seed):
    a = np.random.default_rng(seed).standard_normal((q, q + 2))
    return a @ a.T / (q + 2)


@pytest.mark.parametrize("q", [1, 2, 3, 4])
def test_orthant_probability(q):
    cov = random_cov(q, q)
    ref = 0.5 if q == 1 else multivariate_normal(np.zeros(q), cov, seed=3, abseps=1e-8, releps=1e-8).cdf(np.zeros(q))
    assert orthant_probability(cov) == pytest.approx(ref, abs=2e-5)


def projected_counts(v, draws=20000, seed=1):
    """Monte Carlo: the number of positive components of the projection of N(0, v)
    onto the positive orthant in the metric of v^-1 (by non-negative least squares)."""
    y = np.random.default_rng(seed).multivariate_normal(np.zeros(len(v)), v, size=draws)
    a = np.linalg.cholesky(np.linalg.inv(v)).T  # a'a = v^-1
    counts = np.zeros(len(v) + 1)
    for row in y:
        theta, _ = optimize.nnls(a, a @ row)
        counts[int((theta > 1e-12).sum())] += 1
    return counts / draws


@pytest.mark.parametrize("q", [1, 2, 3, 4])
def test_weights_are_the_projections_distribution(q):
    v = random_cov(q, 10 + q)
    w = chibar_weights(v)
    assert w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(w, projected_counts(v), atol=0.012)
    if q == 1:
        np.testing.assert_allclose(w, [0.5, 0.5])


def test_chibar_on_fitted_models():
    data = ws.simulate_wide(n=200, waves=5, constructs=AE, seed=6, ri_sd=0.4)
    waves = [1, 2, 3, 4, 5]
    clpm = fit_model(data, build_riclpm(AE, waves, random_intercepts=False))
    riclpm = fit_model(data, build_riclpm(AE, waves))
    out = chibar_square_test(clpm, riclpm)
    assert out["boundary"] == ["RI_A~~RI_A", "RI_E~~RI_E"] and out["df_diff"] == 3
    stat = out["chisq_diff"]
    assert stat == pytest.approx(2 * (riclpm.fit["loglik"] - clpm.fit["loglik"]))
    v = riclpm.vcov.loc[out["boundary"], out["boundary"]].to_numpy()
    w = chibar_weights(v)
    np.testing.assert_allclose(out["weights"], w)
    # one covariance off the boundary: chi2 with 1 + (0, 1, 2) degrees of freedom
    assert out["p_chibar"] == pytest.approx(sum(wi * chi2.sf(stat, 1 + i) for i, wi in enumerate(w)))
    assert out["p_chibar"] < out["p"] and out["p"] == pytest.approx(chi2.sf(stat, 3))


def test_chibar_at_the_boundary():
    """No between-person variance: the RI-CLPM's variances end on the boundary (only
    their free covariance gains a little), and the test does not reject."""
    data = ws.simulate_wide(n=150, waves=4, constructs=AE, seed=8, ri_sd=0.0)
    clpm = fit_model(data, build_riclpm(AE, [1, 2, 3, 4], random_intercepts=False))
    riclpm = fit_model(data, build_riclpm(AE, [1, 2, 3, 4]))
    assert riclpm.diagnostics["at_bound"] == ["RI_A~~RI_A", "RI_E~~RI_E"]
    out = chibar_square_test(clpm, riclpm)
    assert 0 <= out["chisq_diff"] < 1
    assert 0.5 < out["p_chibar"] < out["p"] < 1


def test_chibar_needs_standard_errors():
    data = ws.simulate_wide(n=100, waves=4, constructs=AE, seed=2)
    clpm = fit_model(data, build_riclpm(AE, [1, 2, 3, 4], random_intercepts=False), se=False)
    riclpm = fit_model(data, build_riclpm(AE, [1, 2, 3, 4]), se=False)
    with pytest.raises(ValueError, match="no covariance matrix"):
        chibar_square_test(clpm, riclpm)
    with pytest.raises(ValueError, match="boundary parameters"):
        chibar_square_test(clpm, riclpm, boundary=[])
