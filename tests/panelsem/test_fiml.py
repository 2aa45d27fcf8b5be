"""Vectorised FIML, h1/baseline models, fit measures and the fitting engine,
checked against independent computations (scipy, semopy's own FIML, finite
differences, closed forms)."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import multivariate_normal

from panelsem import cli, fiml, fit_measures
from panelsem import simulate as ws
from panelsem.fit import fit_model
from panelsem.problem import FIMLProblem
from panelsem.results import lagged_effects, ri_correlations
from panelsem.semopy_bridge import semopy_model
from panelsem.spec import build_riclpm

AE = {"A": "a_", "E": "e_"}


def random_problem(seed=0, n=40, p=5, miss=0.25):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((p, p))
    sigma = a @ a.T + p * np.eye(p)
    mu = rng.standard_normal(p)
    y = rng.multivariate_normal(mu, sigma, size=n)
    y[rng.random(y.shape) < miss] = np.nan
    y[3] = np.nan  # an all-missing row
    return y, sigma, mu


def test_minus2loglik_matches_scipy():
    y, sigma, mu = random_problem()
    pat = fiml.patterns_from_array(y)
    ref = 0.0
    for row in y:
        o = np.isfinite(row)
        if o.any():
            ref += multivariate_normal(mu[o], sigma[np.ix_(o, o)]).logpdf(row[o])
    assert pat.n_dropped == 1 and pat.n_rows == len(y) - 1
    assert fiml.minus2loglik(sigma, mu, pat) == pytest.approx(-2 * ref, rel=1e-12)


def test_sigma_mu_gradient_matches_finite_differences():
    y, sigma, mu = random_problem(seed=1)
    pat = fiml.patterns_from_array(y)
    _, gs, gm = fiml.minus2loglik(sigma, mu, pat, grad=True)
    h = 1e-6
    for i, j in [(0, 0), (1, 3), (4, 2)]:
        e = np.zeros_like(sigma)
        e[i, j] += h / 2
        e[j, i] += h / 2  # symmetric perturbation: derivative is (G_ij + G_ji)/2
        fd = (fiml.minus2loglik(sigma + e, mu, pat) - fiml.minus2loglik(sigma - e, mu, pat)) / (2 * h)
        assert fd == pytest.approx(0.5 * (gs[i, j] + gs[j, i]), rel=1e-6, abs=1e-6)
    for i in range(len(mu)):
        e = np.zeros_like(mu)
        e[i] = h
        fd = (fiml.minus2loglik(sigma, mu + e, pat) - fiml.minus2loglik(sigma, mu - e, pat)) / (2 * h)
        assert fd == pytest.approx(gm[i], rel=1e-6, abs=1e-6)


@pytest.fixture(scope="module")
def small():
    data = ws.simulate_wide(n=120, waves=4, constructs=AE, seed=3)
    spec = build_riclpm(AE, [1, 2, 3, 4])
    return data, spec, FIMLProblem(data, spec)


@pytest.mark.parametrize("lagged, ri", [("invariant", True), ("free", True), ("invariant", False)])
def test_model_gradient_matches_finite_differences(small, lagged, ri):
    data = small[0]
    prob = FIMLProblem(data, build_riclpm(AE, [1, 2, 3, 4], lagged, ri))
    rng = np.random.default_rng(0)
    x = prob.start_values() + 0.01 * rng.standard_normal(prob.k)
    f, g = prob.fg(x)
    assert f == pytest.approx(prob.f(x))
    h = 1e-6
    fd = np.array([(prob.f(x + h * e) - prob.f(x - h * e)) / (2 * h) for e in np.eye(len(x))])
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("kind", [{}, {"lagged": "free"}, {"random_intercepts": False}, {"slopes": True}])
def test_objective_and_parameters_match_semopys(small, kind):
    """semopy reads the same syntax into the same free parameters, in the same order,
    and its own (slow) FIML gives the same -2 log L, less the constant
    sum_g n_g k_g log(2 pi) that it omits."""
    data = small[0]
    spec = build_riclpm(AE, [1, 2, 3, 4], **kind)
    prob = FIMLProblem(data, spec)
    x = prob.start_values() + 0.01 * np.random.default_rng(2).standard_normal(prob.k)
    stock = semopy_model(spec, data, params=x)
    stock.prepare_fiml()
    names = [n for n, p in stock.parameters.items() if p.active]
    labels = [n if not n.startswith("_") else None for n in names]
    assert [lab for lab in labels if lab] == [n for n in prob.names if n.startswith("b_")]
    assert len(names) == prob.k
    const = fiml.LOG2PI * float(prob.pat.n @ prob.pat.n_vars)
    assert prob.f(x) - const == pytest.approx(stock.obj_fiml(x), rel=1e-10)


def test_saturated_em_complete_data_is_sample_moments():
    rng = np.random.default_rng(2)
    y = rng.standard_normal((50, 4)) @ rng.standard_normal((4, 4))
    mu, sigma, ll, _ = fiml.saturated_em(fiml.patterns_from_array(y))
    np.testing.assert_allclose(mu, y.mean(0), atol=1e-10)
    np.testing.assert_allclose(sigma, np.cov(y.T, bias=True), atol=1e-8)
    ref = multivariate_normal(y.mean(0), np.cov(y.T, bias=True)).logpdf(y).sum()
    assert ll == pytest.approx(ref, rel=1e-10)


def test_saturated_em_is_a_stationary_point_with_missing_data():
    y, _, _ = random_problem(seed=4, n=200)
    pat = fiml.patterns_from_array(y)
    mu, sigma, ll, _ = fiml.saturated_em(pat)
    f, gs, gm = fiml.minus2loglik(sigma, mu, pat, grad=True)
    assert ll == pytest.approx(-0.5 * f)
    assert np.max(np.abs(gs)) < 1e-4 and np.max(np.abs(gm)) < 1e-4


def test_independence_model_closed_form():
    y, _, _ = random_problem(seed=5)
    pat = fiml.patterns_from_array(y)
    mu, var, ll = fiml.independence_fit(pat)
    np.testing.assert_allclose(mu, np.nanmean(y, 0))
    np.testing.assert_allclose(var, np.nanvar(y, 0))
    assert ll == pytest.approx(-0.5 * fiml.minus2loglik(np.diag(var), mu, pat), rel=1e-12)


def test_rmsea_ci_inverts_noncentral_chisquare():
    chisq, df, n = 455.2, 390, 272
    lo, hi = fit_measures.rmsea_ci(chisq, df, n)
    assert stats.ncx2.cdf(chisq, df, lo**2 * n * df) == pytest.approx(0.95, abs=1e-8)
    assert stats.ncx2.cdf(chisq, df, hi**2 * n * df) == pytest.approx(0.05, abs=1e-8)
    assert fit_measures.rmsea_ci(300.0, 390, 272) == (0.0, 0.0)


def test_srmr_by_hand():
    s = np.array([[4.0, 1.0], [1.0, 1.0]])
    sigma = np.array([[4.0, 0.5], [0.5, 1.0]])
    # residuals: cov (0,1) -> 0.5 / (2*1) = 0.25; mean of var 1 -> 0.2 / 2 = 0.1
    value = fit_measures.srmr(sigma, np.array([0.0, 0.0]), s, np.array([0.2, 0.0]))
    assert value == pytest.approx(np.sqrt((0.25**2 + 0.1**2) / 5))


def test_fit_model_warm_start_and_diagnostics(small):
    data, spec, _ = small
    data = pd.concat([data, pd.DataFrame([[np.nan] * data.shape[1]], columns=data.columns)])
    res = fit_model(data, spec)
    d = res.diagnostics
    assert d["converged"] and d["grad_norm"] < 1e-3
    assert d["rows_dropped_all_missing"] == 1 and res.fit["n"] == 120
    # at the optimum the model is no better than the saturated model
    assert res.fit["loglik"] <= res.fit["loglik_h1"] + 1e-8
    assert list(res.vcov.index) == res.param_names
    warm = fit_model(data, spec, start=res, se=False, fit_measures=False)
    np.testing.assert_allclose(warm.params, res.params, atol=1e-6)
    assert warm.diagnostics["iterations"] <= 5
    cols = ["lhs", "op", "rhs", "label", "est", "se", "z", "p", "std_all"]
    assert list(res.estimates.columns) == cols


def test_standard_errors_from_observed_information(small):
    """SE = sqrt(diag(inverse of half the Hessian of -2 log L)), Hessian here by
    central differences of the objective only (no analytic gradient)."""
    data, spec, prob = small
    res = fit_model(data, spec)
    x = res.params
    free = [0, 5, len(x) - 1]
    h = 1e-4 * np.maximum(1, np.abs(x))
    hess = np.empty((len(x), len(x)))
    f0 = prob.f(x)
    for i in range(len(x)):
        for j in range(i, len(x)):
            ei, ej = np.eye(len(x))[i] * h[i], np.eye(len(x))[j] * h[j]
            hess[i, j] = hess[j, i] = (
                prob.f(x + ei + ej) - prob.f(x + ei - ej)
                - prob.f(x - ei + ej) + prob.f(x - ei - ej)
            ) / (4 * h[i] * h[j])
    assert np.isfinite(f0)
    se = np.sqrt(np.diag(np.linalg.inv(0.5 * hess)))
    np.testing.assert_allclose(np.sqrt(np.diag(res.vcov.to_numpy()))[free], se[free], rtol=1e-3)


def test_heywood_case_is_flagged():
    """No between-person variance: the RI variances go to the 0 bound, and beside them
    the free RI covariance leaves the latent covariance matrix not positive definite
    (lavaan warns of both)."""
    data = ws.simulate_wide(n=150, waves=4, constructs=AE, seed=8, ri_sd=0.0)
    res = fit_model(data, build_riclpm(AE, [1, 2, 3, 4]))
    d = res.diagnostics
    variances = [h for h in d["heywood"] if h["kind"] == "variance"]
    assert variances and all("RI_" in h["parameter"] for h in variances)
    assert any(h["at_bound"] for h in variances)
    assert d["improper"] and d["at_bound"] == ["RI_A~~RI_A", "RI_E~~RI_E"]
    (pd_case,) = [h for h in d["heywood"] if h["kind"] == "not positive definite"]
    mx = FIMLProblem(data, build_riclpm(AE, [1, 2, 3, 4])).matrices
    _, _, _, c = mx.implied(res.params)
    assert pd_case["est"] == pytest.approx(np.linalg.eigvalsh(c @ mx.psi @ c.T)[0]) and pd_case["est"] < 0
    # improper after the first run: the multi-start search ran, and kept the best optimum
    assert d["starts"] > 1 and 1 <= d["starts_reaching_best"] <= d["starts"]
    assert min(a["m2ll"] for a in d["attempts"]) >= -2 * res.fit["loglik"] - 1e-6


def test_missing_prefix_is_named():
    data = ws.simulate_wide(n=30, waves=3, constructs=AE, seed=7)
    spec = build_riclpm({"A": "a_", "E": "er_"}, [1, 2, 3])
    with pytest.raises(KeyError, match="prefix 'er_' matches none"):
        fit_model(data, spec)
    spec = build_riclpm(AE, [1, 2, 3])
    data["e_2"] = np.nan
    with pytest.raises(ValueError, match="e_2"):
        fit_model(data, spec)
    data["e_2"] = "x"
    with pytest.raises(TypeError, match="e_2"):
        fit_model(data, spec)


def test_cli_writes_deterministic_outputs(tmp_path):
    data = ws.simulate_wide(n=100, waves=4, constructs=AE, seed=8)
    csv = tmp_path / "wide.csv"
    data.to_csv(csv, index=False)
    args = [str(csv), "--construct", "A=a_", "--construct", "E=e_", "--waves", "1-4"]
    assert cli.main(["fit", *args, "--out", str(tmp_path / "o1")]) == 0
    assert cli.main(["fit", *args, "--out", str(tmp_path / "o2")]) == 0
    for name in ["estimates.csv", "fit.csv", "diagnostics.json"]:
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o2" / name).read_bytes()
    est = pd.read_csv(tmp_path / "o1" / "estimates.csv")
    assert list(est.columns) == ["lhs", "op", "rhs", "label", "est", "se", "z", "p", "std_all"]
    fit = pd.read_csv(tmp_path / "o1" / "fit.csv").set_index("measure")["value"]
    assert fit["df"] == 8 * 9 / 2 + 8 - (8 + 3 + 9 + 3 + 4)  # moments - free parameters
    assert json.loads((tmp_path / "o1" / "diagnostics.json").read_text())["converged"]
    assert cli.main(["fit", str(csv), "--construct", "A=zz_", "--waves", "1-4",
                     "--out", str(tmp_path / "o3")]) == 1


def test_summary_tables(small):
    data, spec, _ = small
    res = fit_model(data, spec, se=False, fit_measures=False)
    lag = lagged_effects(res, spec)
    assert len(lag) == 3 * 4  # 3 lags x (2 outcomes x 2 predictors)
    row = lag[(lag.outcome == "E") & (lag.predictor == "A") & (lag.wave == 3)].iloc[0]
    # std_all by hand from the implied within-person variances
    mx = FIMLProblem(data, spec).matrices
    _, _, _, c = mx.implied(res.params)
    lat = c @ mx.psi @ c.T
    v = {n: lat[i, i] for i, n in enumerate(mx.latent)}
    assert row["std_all"] == pytest.approx(row["est"] * np.sqrt(v["w_A2"] / v["w_E3"]))
    ri = ri_correlations(res)
    off = ri[ri.lhs != ri.rhs].iloc[0]
    assert off["corr"] == pytest.approx(off["est"] / np.sqrt(v[off["lhs"]] * v[off["rhs"]]))


def test_unique_rows_is_numpys():
    rng = np.random.default_rng(9)
    for p in (1, 3, 12):
        obs = rng.random((60, p)) < 0.7
        uniq, inverse, by_row = fiml.unique_rows(obs)
        ref, ref_inverse = np.unique(obs, axis=0, return_inverse=True)
        np.testing.assert_array_equal(uniq, ref)
        np.testing.assert_array_equal(inverse, ref_inverse.ravel())
        assert np.all(np.diff(inverse[by_row]) >= 0)


def weighted_and_duplicated(seed):
    """A resample as row counts, and as the rows themselves (all-missing row 3 included)."""
    y, sigma, mu = random_problem(seed=seed, n=60)
    rows = np.random.default_rng(seed + 100).integers(0, len(y), len(y))
    rows[:2] = 3
    counts = np.bincount(rows, minlength=len(y))
    return fiml.patterns_from_array(y, counts), fiml.patterns_from_array(y[rows]), sigma, mu


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_patterns_equal_duplicated_rows(seed):
    pw, pd_, sigma, mu = weighted_and_duplicated(seed)
    assert (pw.n_rows, pw.n_dropped) == (pd_.n_rows, pd_.n_dropped) and pw.n_dropped >= 2
    np.testing.assert_array_equal(pw.mask, pd_.mask)
    np.testing.assert_array_equal(pw.n, pd_.n)
    fw, gsw, gmw = fiml.minus2loglik(sigma, mu, pw, grad=True)
    fd, gsd, gmd = fiml.minus2loglik(sigma, mu, pd_, grad=True)
    assert fw == pytest.approx(fd, rel=1e-12)
    np.testing.assert_allclose(gsw, gsd, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(gmw, gmd, rtol=1e-8, atol=1e-10)
    assert fiml.saturated_em(pw)[2] == pytest.approx(fiml.saturated_em(pd_)[2], rel=1e-10)
    assert fiml.independence_fit(pw)[2] == pytest.approx(fiml.independence_fit(pd_)[2], rel=1e-12)


def test_weighted_model_objective_equals_duplicated_data(small):
    data, spec, prob = small
    rows = np.random.default_rng(4).integers(0, len(data), len(data))
    dup = FIMLProblem(data.iloc[rows].reset_index(drop=True), spec)
    y = data[prob.obs].to_numpy(dtype=float)
    weighted = fiml.patterns_from_array(y, np.bincount(rows, minlength=len(data)))
    x = prob.start_values() + 0.01 * np.random.default_rng(1).standard_normal(prob.k)
    fw, gw = prob.fg(x, weighted)
    fd, gd = dup.fg(x)
    assert fw == pytest.approx(fd, rel=1e-12)
    np.testing.assert_allclose(gw, gd, rtol=1e-8, atol=1e-8)


def test_weights_must_be_counts():
    y = random_problem()[0]
    for bad in (np.full(len(y), 0.5), -np.ones(len(y)), np.ones(3)):
        with pytest.raises(ValueError, match="count per row"):
            fiml.patterns_from_array(y, bad)
