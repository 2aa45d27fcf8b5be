"""Joint multigroup FIML with cross-group equality constraints (panelsem.multigroup):
checked against separate per-group fits, a by-hand normal likelihood, finite
differences of the joint objective, and lavaan's multigroup fit."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from panelsem import lavaan as lc
from panelsem import multigroup as mg
from panelsem import simulate as ws
from panelsem import spec as riclpm
from panelsem.fit import fit_model
from panelsem.results import lagged_by_group

AE = {"A": "a_", "E": "e_"}
W5 = [1, 2, 3, 4, 5]


@pytest.fixture(scope="module")
def data():
    a = ws.simulate_wide(n=150, waves=5, constructs=AE, seed=31).assign(arm="ICBT")
    # the second arm has weaker cross-lags, so the equality constraint costs something
    b_y = np.array([[0.30, 0.0], [0.05, 0.25]])
    b = ws.simulate_wide(n=130, waves=5, constructs=AE, seed=32, b=b_y).assign(arm="IPDT")
    return pd.concat([a, b], ignore_index=True)


@pytest.fixture(scope="module")
def spec():
    return riclpm.build_riclpm(AE, W5)


@pytest.fixture(scope="module")
def free_fit(data, spec):
    return mg.fit_multigroup(data, spec, "arm")


@pytest.fixture(scope="module")
def equal_fit(data, spec):
    return mg.fit_multigroup(data, spec, "arm", equal=spec.lag_labels())


def test_unconstrained_joint_equals_separate_fits(data, spec, free_fit):
    separate = {g: fit_model(data[data["arm"] == g], spec) for g in ("ICBT", "IPDT")}
    assert free_fit.groups == ["ICBT", "IPDT"]
    assert free_fit.fit["loglik"] == pytest.approx(sum(r.fit["loglik"] for r in separate.values()), abs=1e-6)
    assert free_fit.fit["npar"] == sum(r.fit["npar"] for r in separate.values())
    assert free_fit.fit["chisq"] == pytest.approx(sum(r.fit["chisq"] for r in separate.values()), abs=1e-5)
    assert free_fit.fit["df"] == sum(r.fit["df"] for r in separate.values())
    for g, r in separate.items():
        ours = free_fit.estimates[free_fit.estimates["group"] == g].reset_index(drop=True)
        np.testing.assert_allclose(ours["est"], r.estimates["est"], atol=1e-5)
        np.testing.assert_allclose(ours["se"], r.estimates["se"], rtol=1e-3)


def test_joint_objective_by_hand(data, spec, equal_fit):
    """-2 log L at the constrained estimate from scipy's normal density, row by row."""
    jp = mg.JointProblem(data, spec, "arm", equal=spec.lag_labels())
    x = equal_fit.params
    total = 0.0
    for g, prob, xg in zip(jp.groups, jp.probs, jp.split(x)):
        sigma, mu, _, _ = prob.matrices.implied(xg)
        y = data.loc[data["arm"] == g, prob.obs].to_numpy()
        for row in y:
            o = np.isfinite(row)
            if o.any():
                total += stats.multivariate_normal(mu[o], sigma[np.ix_(o, o)]).logpdf(row[o])
    assert jp.f(x) == pytest.approx(-2 * total, abs=1e-6)
    assert equal_fit.fit["loglik"] == pytest.approx(total, abs=1e-6)


def test_joint_gradient_by_finite_differences(data, spec, equal_fit):
    jp = mg.JointProblem(data, spec, "arm", equal=spec.lag_labels())
    rng = np.random.default_rng(0)
    x = equal_fit.params * (1 + 0.05 * rng.standard_normal(jp.k))
    _, g = jp.fg(x)
    h = 1e-6 * np.maximum(1, np.abs(x))
    fd = np.array([(jp.f(x + h[i] * np.eye(jp.k)[i]) - jp.f(x - h[i] * np.eye(jp.k)[i])) / (2 * h[i])
                   for i in range(jp.k)])
    np.testing.assert_allclose(g, fd, rtol=1e-4, atol=1e-3)


def test_equality_constraint(spec, free_fit, equal_fit):
    labels = spec.lag_labels()
    assert len(labels) == 4
    assert equal_fit.diagnostics["converged"]
    assert equal_fit.fit["npar"] == free_fit.fit["npar"] - len(labels) * (2 - 1)
    assert equal_fit.fit["loglik"] <= free_fit.fit["loglik"] + 1e-8
    lags = lagged_by_group(equal_fit, spec)
    assert lags["shared"].all()
    by_group = lags.pivot(index="label", columns="group", values="est")
    assert (by_group["ICBT"] == by_group["IPDT"]).all()
    free_lags = lagged_by_group(free_fit, spec)
    assert not free_lags["shared"].any()
    # the shared estimate lies between the two arms' own estimates (a weighted compromise)
    fb = free_lags.pivot(index="label", columns="group", values="est")
    lo, hi = fb.min(axis=1), fb.max(axis=1)
    assert ((by_group["ICBT"] > lo - 0.05) & (by_group["ICBT"] < hi + 0.05)).all()


def test_errors(data, spec):
    with pytest.raises(ValueError, match="not in the model"):
        mg.JointProblem(data, spec, "arm", equal=["b_X_Y"])
    with pytest.raises(ValueError, match="fewer than 2 groups"):
        mg.JointProblem(data.assign(arm="ICBT"), spec, "arm")
    with pytest.raises(KeyError, match="group column"):
        mg.JointProblem(data, spec, "site")
    with pytest.raises(ValueError, match="missing values"):
        mg.JointProblem(data.assign(arm=data["arm"].where(data.index > 0)), spec, "arm")


def test_lavaan_syntax_labels(spec):
    free_lags = riclpm.build_riclpm(AE, W5, lagged="free")
    text = lc.lavaan_multigroup_syntax(free_lags, ["ICBT", "IPDT"])
    assert "w_E3 ~ c(b_E_A_3_g1, b_E_A_3_g2)*w_A2 + c(b_E_E_3_g1, b_E_E_3_g2)*w_E2" in text
    equal = lc.lavaan_multigroup_syntax(spec, ["ICBT", "IPDT"], equal=spec.lag_labels())
    assert equal == spec.syntax


@pytest.mark.needs("lavaan")
@pytest.mark.parametrize("constrained", [True, False])
def test_agrees_with_lavaan(data, spec, free_fit, equal_fit, constrained, tmp_path):
    ours = equal_fit if constrained else free_fit
    lav = lc.run_lavaan_multigroup(data, spec, "arm", tmp_path,
                                   equal=spec.lag_labels() if constrained else ())
    assert ours.fit["loglik"] == pytest.approx(lav["fit"]["logl"], abs=1e-4)
    assert ours.fit["npar"] == lav["fit"]["npar"]
    assert ours.fit["df"] == lav["fit"]["df"]
    assert ours.fit["chisq"] == pytest.approx(lav["fit"]["chisq"], abs=1e-3)
    le = lav["estimates"].copy()
    le["rhs"] = le["rhs"].fillna("")
    le = le[le["op"].isin(["=~", "~", "~~", "~1"])]
    merged = ours.estimates.merge(le, on=["group", "lhs", "op", "rhs"], suffixes=("", "_lav"), how="left")
    assert merged["est_lav"].notna().all()
    assert (merged["est"] - merged["est_lav"]).abs().max() < 1e-4
    free = merged["se"].notna()
    rel = ((merged["se"] - merged["se_lav"]).abs() / merged["se_lav"])[free]
    assert rel.max() < 1e-3, merged.loc[free].assign(rel=rel).sort_values("rel").tail().to_string()
