"""Robust standard errors and the scaled test statistic (lavaan's MLR, missing = "ml"):
the sandwich against one built from finite-difference scores of scipy's normal
density, row by row; estimates, standard errors and scaled fit measures against
lavaan's MLR."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from panelsem import lavaan as lc
from panelsem import multigroup as mg
from panelsem import simulate as ws
from panelsem.fit import fit_model
from panelsem.problem import FIMLProblem
from panelsem.spec import build_riclpm

AE = {"A": "a_", "E": "e_"}


def row_m2ll(prob, x, y):
    """-2 log L of each row at x, by scipy."""
    sigma, mu, _, _ = prob.matrices.implied(x)
    out = []
    for row in y:
        o = np.isfinite(row)
        out.append(-2 * multivariate_normal(mu[o], sigma[np.ix_(o, o)]).logpdf(row[o]) if o.any() else 0.0)
    return np.array(out)


def test_sandwich_by_finite_difference_scores():
    data = ws.simulate_wide(n=60, waves=3, constructs=AE, seed=21, dropout=0.1)
    spec = build_riclpm(AE, [1, 2, 3])
    res = fit_model(data, spec, se="robust", fit_measures=False)
    prob = FIMLProblem(data, spec)
    y = data[prob.obs].to_numpy(dtype=float)
    x = res.params
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    scores = np.column_stack([(row_m2ll(prob, x + h[i] * e, y) - row_m2ll(prob, x - h[i] * e, y)) / (2 * h[i])
                              for i, e in enumerate(np.eye(prob.k))])
    bread = np.linalg.inv(prob.hessian(x))
    expected = bread @ (scores.T @ scores) @ bread
    np.testing.assert_allclose(res.vcov.to_numpy(), expected, rtol=1e-5, atol=1e-9)
    assert res.diagnostics["se"] == "robust"
    standard = fit_model(data, spec, fit_measures=False)
    np.testing.assert_allclose(standard.params, res.params)
    assert not np.allclose(standard.estimates["se"].dropna(), res.estimates["se"].dropna(), rtol=1e-3)


@pytest.mark.needs("lavaan")
@pytest.mark.parametrize("dropout, lagged", [(0.012, "invariant"), (0.05, "free")])
def test_agrees_with_lavaan_mlr(dropout, lagged, tmp_path):
    data = ws.simulate_wide(n=200, waves=5, constructs=AE, seed=9, dropout=dropout)
    spec = build_riclpm(AE, [1, 2, 3, 4, 5], lagged=lagged)
    ours = fit_model(data, spec, se="robust")
    lav = lc.run_lavaan(data, spec, tmp_path, se="robust")
    table = lc.compare(ours, lav)
    free = table[table["free"]]
    assert free.loc[free["kind"] == "est", "abs_diff"].max() < 1e-5
    se = free[free["kind"] == "se"]
    assert se["rel_diff"].max() < 1e-4, se.sort_values("rel_diff").tail().to_string()
    fit = table[table["kind"] == "fit"].set_index("name")
    for name in ["chisq_scaled", "chisq_scaling_factor", "baseline_chisq_scaled", "baseline_chisq_scaling_factor",
                 "cfi_scaled", "tli_scaled", "rmsea_scaled", "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled",
                 "pvalue_scaled"]:
        assert fit.loc[name, "abs_diff"] < 1e-5 * max(1.0, abs(fit.loc[name, "lavaan"])), name
    assert ours.fit["chisq_scaling_factor"] != pytest.approx(1.0, abs=1e-3)


def test_saturated_model_has_no_scaling_factor():
    """df = 0: lavaan reports the scaled statistic as the statistic, no factor or p."""
    data = ws.simulate_wide(n=150, waves=2, constructs=AE, seed=4)
    f = fit_model(data, build_riclpm(AE, [1, 2], random_intercepts=False), se="robust").fit
    assert np.isnan(f["chisq_scaling_factor"]) and np.isnan(f["pvalue_scaled"])
    assert f["cfi_scaled"] == 1.0 and f["tli_scaled"] == 1.0 and f["baseline_chisq_scaled"] > 0


def test_robust_multigroup_is_refused():
    data = ws.simulate_wide(n=120, waves=3, constructs=AE, seed=2).assign(arm=lambda d: d.index % 2)
    with pytest.raises(NotImplementedError, match="multigroup"):
        mg.fit_multigroup(data, build_riclpm(AE, [1, 2, 3]), "arm", se="robust")


def test_unknown_se_type():
    data = ws.simulate_wide(n=60, waves=3, constructs=AE, seed=2)
    with pytest.raises(ValueError, match="se must be one of"):
        fit_model(data, build_riclpm(AE, [1, 2, 3]), se="huber")
