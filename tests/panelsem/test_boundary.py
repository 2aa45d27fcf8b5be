"""Fits where a variance sits at its bound, or where the search from default starts is
hard: lavaan's bundled Demo.growth (t1-t4 and c1-c4 as two constructs over 4 waves)
and a true zero random-intercept variance. References: lavaan with bounds = "pos.var"
(which with labels needs ceq.simple = TRUE to take effect), run here; the command
line's exit status on non-convergence. Also lavaan's conventions for saturated models
(df = 0), and clear errors for constant and empty columns."""

import json

import numpy as np
import pandas as pd
import pytest

from panelsem import cli
from panelsem import fit as fitmod
from panelsem import lavaan as lc
from panelsem import simulate as ws
from panelsem.fit import fit_model
from panelsem.spec import build_riclpm

TC = {"T": "t", "C": "c"}
AE = {"A": "a_", "E": "e_"}
W4 = [1, 2, 3, 4]


@pytest.fixture(scope="module")
def demo_growth(tmp_path_factory):
    if lc.lavaan_status():
        pytest.skip(f"needs lavaan: {lc.lavaan_status()}")
    return lc.bundled_data("Demo.growth", tmp_path_factory.mktemp("demo"))


CASES = {
    "Demo.growth, invariant lags": (lambda d: d, TC, "invariant"),
    "Demo.growth, free lags": (lambda d: d, TC, "free"),
    "zero random-intercept variance": (lambda d: ws.simulate_wide(n=150, waves=4, constructs=AE, seed=8, ri_sd=0.0),
                                       AE, "invariant"),
}


@pytest.mark.needs("lavaan")
@pytest.mark.parametrize("case", list(CASES))
def test_bound_cases_agree_with_lavaan_pos_var(case, demo_growth, tmp_path):
    """Estimates, log-likelihood and every standard error, those of the variances at 0
    included (lavaan keeps them in the information matrix)."""
    make, constructs, lagged = CASES[case]
    data = make(demo_growth)
    spec = build_riclpm(constructs, W4, lagged=lagged)
    ours = fit_model(data, spec)
    lav = lc.run_lavaan(data, spec, tmp_path, bounds="pos.var")
    assert ours.converged and bool(lav["times"]["converged"].iloc[0])
    assert ours.diagnostics["at_bound"], "the case must have a variance at its bound"
    assert ours.fit["loglik"] == pytest.approx(lav["fit"]["logl"], abs=1e-6)
    table = lc.compare(ours, lav)
    free = table[table["free"]]
    est = free[free["kind"] == "est"]
    assert (est["abs_diff"] < 1e-4 * np.maximum(1.0, est["lavaan"].abs())).all(), est.to_string()
    se = free[free["kind"] == "se"]
    assert se["ours"].notna().all() and ours.estimates["se"].notna().sum() == len(se)
    bound = [f"{n.split('~~')[0]} ~~ {n.split('~~')[1]}" for n in ours.diagnostics["at_bound"]]
    assert set(bound) <= set(se["name"])
    assert se["rel_diff"].max() < 1e-4, se.sort_values("rel_diff").tail().to_string()
    # lavaan flags these solutions (a negative or zero variance beside a free covariance)
    kinds = {h["kind"] for h in ours.diagnostics["heywood"]}
    assert "variance" in kinds and "not positive definite" in kinds


@pytest.mark.needs("lavaan")
def test_the_issue_figure(demo_growth):
    """Issue 17: with invariant lags, w_T1 ~~ w_T1 had SE 0.176 where lavaan's is 0.517."""
    res = fit_model(demo_growth, build_riclpm(TC, W4))
    row = res.estimates.query("lhs == 'w_T1' and op == '~~' and rhs == 'w_T1'").iloc[0]
    assert row["se"] == pytest.approx(0.517, abs=5e-4)


@pytest.mark.needs("lavaan")
def test_demo_growth_free_lags_from_default_starts(demo_growth, tmp_path):
    """From default starts the CLI reaches lavaan's maximum, -4884.04 (lavaan, pos.var)."""
    csv = tmp_path / "demo.csv"
    demo_growth.to_csv(csv, index=False)
    args = ["fit", str(csv), "--construct", "T=t", "--construct", "C=c", "--waves", "1-4", "--lagged", "free"]
    assert cli.main([*args, "--out", str(tmp_path / "out")]) == 0
    fit = pd.read_csv(tmp_path / "out" / "fit.csv").set_index("measure")["value"]
    lav = lc.run_lavaan(demo_growth, build_riclpm(TC, W4, lagged="free"), tmp_path / "lav", bounds="pos.var")
    assert fit["loglik"] == pytest.approx(lav["fit"]["logl"], abs=1e-3)
    assert fit["loglik"] == pytest.approx(-4884.04, abs=5e-3)
    diagnostics = json.loads((tmp_path / "out" / "diagnostics.json").read_text())
    assert diagnostics["converged"] and diagnostics["attempts"][0]["start"] == "invariant-lag solution"
    assert diagnostics["starts_reaching_best"] >= 1


def test_free_lags_start_from_the_invariant_solution():
    data = ws.simulate_wide(n=150, waves=4, constructs=AE, seed=5)
    res = fit_model(data, build_riclpm(AE, W4, lagged="free"))
    invariant = fit_model(data, build_riclpm(AE, W4))
    assert res.diagnostics["attempts"][0]["start"] == "invariant-lag solution"
    assert res.converged and res.fit["loglik"] >= invariant.fit["loglik"] - 1e-9


def test_multistart_keeps_the_best_even_if_improper(monkeypatch):
    """Starts that end lower are not taken, however proper: the test `improper` below
    calls every solution improper, so every start is tried."""
    data = ws.simulate_wide(n=120, waves=4, constructs=AE, seed=3)
    spec = build_riclpm(AE, W4)
    proper = fit_model(data, spec)
    assert proper.diagnostics["starts"] == 1 and not proper.diagnostics["improper"]
    monkeypatch.setattr(fitmod, "improper_solution", lambda prob, x, *a, **k: [{"parameter": "all", "est": 0.0,
                                                                               "at_bound": False, "kind": "test"}])
    res = fit_model(data, spec)
    d = res.diagnostics
    assert d["starts"] == 1 + 4 + 4 and d["improper"]  # lavaan's, 3 between shares, 4 perturbed
    ends = [a["m2ll"] for a in d["attempts"]]
    assert -2 * res.fit["loglik"] == pytest.approx(min(ends), abs=1e-6)
    assert res.fit["loglik"] == pytest.approx(proper.fit["loglik"], abs=1e-6)
    assert d["starts_reaching_best"] >= 2


def test_cli_exits_nonzero_when_not_converged(tmp_path, monkeypatch, capsys):
    data = ws.simulate_wide(n=100, waves=4, constructs=AE, seed=8)
    csv = tmp_path / "wide.csv"
    data.to_csv(csv, index=False)
    real = fitmod.fit_model
    # An unreachable criterion: the optimiser cannot converge.
    monkeypatch.setattr(fitmod, "fit_model", lambda *a, **k: real(*a, **k, grad_tol=1e-300))
    args = ["fit", str(csv), "--construct", "A=a_", "--construct", "E=e_", "--waves", "1-4"]
    assert cli.main([*args, "--out", str(tmp_path / "o1")]) == 3
    assert not (tmp_path / "o1").exists()
    assert "did not converge" in capsys.readouterr().err
    assert cli.main([*args, "--allow-unconverged", "--out", str(tmp_path / "o2")]) == 0
    assert not json.loads((tmp_path / "o2" / "diagnostics.json").read_text())["converged"]
    assert "written anyway" in capsys.readouterr().err


def test_saturated_model_conventions():
    """df = 0 (a two-wave CLPM is saturated): TLI 1, RMSEA 0 and no p-value, as lavaan."""
    data = ws.simulate_wide(n=150, waves=2, constructs=AE, seed=4)
    res = fit_model(data, build_riclpm(AE, [1, 2], random_intercepts=False))
    f = res.fit
    assert f["df"] == 0 and f["chisq"] == pytest.approx(0.0, abs=1e-8)
    assert f["tli"] == 1.0 and f["rmsea"] == 0.0 and np.isnan(f["pvalue"])
    assert f["cfi"] == pytest.approx(1.0) and (f["rmsea_ci_lower"], f["rmsea_ci_upper"]) == (0.0, 0.0)


def test_constant_and_empty_columns_are_named():
    data = ws.simulate_wide(n=60, waves=3, constructs=AE, seed=7)
    spec = build_riclpm(AE, [1, 2, 3])
    constant = data.assign(e_2=np.where(data["e_2"].notna(), 2.5, np.nan))
    with pytest.raises(ValueError, match=r"constant columns .*e_2 \(all 2.5\)"):
        fit_model(constant, spec)
    with pytest.raises(ValueError, match=r"no observed value .*'a_3'"):
        fit_model(data.assign(a_3=np.nan), spec)
