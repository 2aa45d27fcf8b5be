"""Sensitivity models: the LCM-SR builder option, likelihood-ratio tests, the
comparison table, the Snakemake rule script, and agreement with lavaan for the LCM-SR."""

import hashlib
import re
import runpy
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from panelsem.model import Matrices
from panelsem import lavaan as lc
from panelsem import spec as riclpm
import panelsem
from panelstudy import sensitivity
from panelsem import simulate as ws

ABC = {"A": "sai_patient_", "E": "ersq_", "D": "qids_"}
AE = {"A": "a_", "E": "e_"}
W5 = [1, 2, 3, 4, 5]


def n_free(spec):
    return Matrices(spec).k


def with_slopes(data, constructs, waves, sd=0.15, seed=0):
    """Add person-specific linear trends (slope SD `sd` per wave, in score units)
    so that the LCM-SR's slope variances are clearly inside the parameter space."""
    rng = np.random.default_rng(seed)
    out = data.copy()
    for k, prefix in constructs.items():
        s = rng.normal(0.0, sd, len(out))
        for t in waves:
            out[f"{prefix}{t}"] += s * (t - waves[0])
    return out


# --- builder ------------------------------------------------------------------

def test_slopes_false_leaves_syntax_unchanged():
    # Hashes of the syntax the builder wrote before the slopes option existed.
    default = riclpm.build_riclpm(ABC, list(range(1, 11)))
    assert hashlib.sha256(default.syntax.encode()).hexdigest() == \
        "e986daa4afc88219d7fbc3b56e6f65fedb9a3369083097ae8971a1afa883a6f4"
    clpm = riclpm.build_riclpm(AE, [1, 3, 4, 7], lagged="free", random_intercepts=False)
    assert hashlib.sha256(clpm.syntax.encode()).hexdigest() == \
        "c6c3f5ed1ff692c8ee2379a3434511de7e06d9db2241ebbaf9fa862f550ec6bb"
    assert not default.slopes and "S_" not in default.syntax


def test_lcmsr_parameter_count():
    k = 3
    ri = riclpm.build_riclpm(ABC, list(range(1, 11)))
    sr = riclpm.build_riclpm(ABC, list(range(1, 11)), slopes=True)
    # 2K intercepts and slopes with all (co)variances instead of K intercepts
    assert n_free(sr) - n_free(ri) == (2 * k) * (2 * k + 1) // 2 - k * (k + 1) // 2


def test_lcmsr_loadings_and_zero_covariances():
    spec = riclpm.build_riclpm(AE, [1, 3, 4, 7], slopes=True)
    line = next(ln for ln in spec.syntax.splitlines() if ln.startswith("S_A =~"))
    assert line == "S_A =~ 0*a_1 + 2*a_3 + 3*a_4 + 6*a_7"
    text = spec.syntax
    for a in ("RI_A", "RI_E", "S_A", "S_E"):
        for b in ("w_A1", "w_E1"):
            assert re.search(rf"^{a} ~~ .*\b0\*{b}\b", text, re.M), (a, b)
    assert "S_A ~~ S_A + S_E" in text and "RI_A ~~ RI_A + RI_E + S_A + S_E" in text
    # no slope means: they are not identified next to free wave means
    assert not re.search(r"^S_\w+ ~ 1", text, re.M)


def test_lcmsr_errors():
    with pytest.raises(ValueError, match="random intercepts"):
        riclpm.build_riclpm(AE, W5, slopes=True, random_intercepts=False)
    with pytest.raises(ValueError, match="4 waves"):
        riclpm.build_riclpm(AE, [1, 2, 3], slopes=True)


# --- likelihood-ratio test --------------------------------------------------------

def test_lr_test_against_closed_form():
    r = panelsem.lr_test({"loglik": -100.0, "npar": 10}, {"loglik": -95.0, "npar": 13})
    x = 10.0
    # chi-square survival function with 3 df in closed form
    p3 = 2 * stats.norm.sf(np.sqrt(x)) + np.sqrt(2 * x / np.pi) * np.exp(-x / 2)
    assert r["chisq_diff"] == pytest.approx(10.0)
    assert r["df_diff"] == 3
    assert r["p"] == pytest.approx(p3, rel=1e-12)
    with pytest.raises(ValueError, match="more parameters"):
        panelsem.lr_test({"loglik": -95.0, "npar": 13}, {"loglik": -100.0, "npar": 10})


# --- the whole set on a small panel -----------------------------------------------

@pytest.fixture(scope="module")
def small_panel():
    a = ws.simulate_wide(n=150, waves=5, constructs=AE, seed=11).assign(arm="ICBT")
    b = ws.simulate_wide(n=150, waves=5, constructs=AE, seed=12).assign(arm="IPDT")
    data = pd.concat([a, b], ignore_index=True)
    return with_slopes(data, AE, W5, seed=3)


@pytest.fixture(scope="module")
def small_run(small_panel):
    return sensitivity.fit_sensitivity(small_panel, AE, W5, [("E", "A"), ("A", "E")], group_column="arm")


def test_all_models_converge(small_run):
    assert all(row["converged"] for row in small_run.log), small_run.log
    assert small_run.models["converged"].all()


def test_comparison_table_by_hand(small_run):
    k, t = 2, 5
    cmp = small_run.comparison.set_index("comparison")
    expected_df = {
        "RI-CLPM vs CLPM": k * (k + 1) // 2,
        "invariant vs free lags": k * k * (t - 2),
        "RI-CLPM vs LCM-SR": (2 * k) * (2 * k + 1) // 2 - k * (k + 1) // 2,
        "multigroup: lags equal vs free across arms": k * k * (2 - 1),
    }
    assert list(cmp.index) == [*expected_df, sensitivity.MI_COMPARISON]
    assert cmp.loc[sensitivity.MI_COMPARISON, "note"].startswith("not fitted")
    cmp = cmp.loc[list(expected_df)]
    n = 300
    for name, row in cmp.iterrows():
        assert row["df_diff"] == expected_df[name] == row["npar_full"] - row["npar_restricted"]
        chisq = 2 * (row["loglik_full"] - row["loglik_restricted"])
        assert row["chisq_diff"] == pytest.approx(chisq, abs=1e-9)
        assert row["chisq_diff"] > -1e-6, name  # nested: the full model cannot fit worse
        assert row["p"] == pytest.approx(stats.chi2.sf(max(chisq, 0), row["df_diff"]), abs=1e-12)
        for side in ("restricted", "full"):
            ll, k_ = row[f"loglik_{side}"], row[f"npar_{side}"]
            assert row[f"aic_{side}"] == pytest.approx(-2 * ll + 2 * k_)
            assert row[f"bic_{side}"] == pytest.approx(-2 * ll + np.log(n) * k_)
    boundary = {"RI-CLPM vs CLPM", "RI-CLPM vs LCM-SR"}
    for name, row in cmp.iterrows():
        assert ("chi-bar-square" in row["note"]) == (name in boundary), name


def test_the_other_standard_errors(small_panel, small_run):
    """model.se standard: the main model's row under robust SEs has its estimates and
    lavaan's MLR standard errors (fit here directly)."""
    m = small_run.models.set_index("model")
    main, other = m.loc[sensitivity.MAIN], m.loc["RI-CLPM, robust SEs"]
    robust = panelsem.fit_model(small_panel, riclpm.build_riclpm(AE, W5), se="robust")
    row = robust.estimates[robust.estimates["label"] == "b_E_A"].iloc[0]
    assert other["b_E_A"] == pytest.approx(main["b_E_A"], abs=1e-6) == pytest.approx(row["est"], abs=1e-6)
    assert other["b_E_A_se"] == pytest.approx(row["se"], rel=1e-4)
    assert abs(other["b_E_A_se"] / main["b_E_A_se"] - 1) > 1e-3
    assert small_run.fits[sensitivity.MAIN].diagnostics["se"] == "standard"
    assert "robust SEs" in other["lag_summary"]


def test_chibar_square_p_beside_the_naive_p(small_panel, small_run):
    cmp = small_run.comparison.set_index("comparison")
    clpm = panelsem.fit_model(small_panel, riclpm.build_riclpm(AE, W5, random_intercepts=False))
    main = panelsem.fit_model(small_panel, riclpm.build_riclpm(AE, W5))
    expected = panelsem.chibar_square_test(clpm, main)
    assert cmp.loc["RI-CLPM vs CLPM", "p_chibar"] == pytest.approx(expected["p_chibar"], rel=1e-4, abs=1e-12)
    assert cmp.loc["RI-CLPM vs CLPM", "p_chibar"] <= cmp.loc["RI-CLPM vs CLPM", "p"]
    assert cmp.drop(index="RI-CLPM vs CLPM")["p_chibar"].isna().all()


def test_a_comparison_with_an_unconverged_model_says_so():
    fits = {name: {"loglik": ll, "npar": k, "aic": 0.0, "bic": 0.0, "n": 100} for name, ll, k in
            (("CLPM", -510.0, 10), ("RI-CLPM", -500.0, 13))}
    ok = sensitivity.comparison_row("x", "CLPM", "RI-CLPM", fits, converged={"CLPM": True, "RI-CLPM": True})
    assert ok["note"] == ""
    row = sensitivity.comparison_row("x", "CLPM", "RI-CLPM", fits, "boundary", {"CLPM": True, "RI-CLPM": False})
    assert row["note"] == "boundary; not converged: RI-CLPM"


def test_unknown_se_type(small_panel):
    with pytest.raises(ValueError, match="se must be one of"):
        sensitivity.fit_sensitivity(small_panel, AE, W5, [("E", "A")], se="sandwich")


def test_comparisons_match_separate_fits(small_panel, small_run):
    """The table's logliks are those of fits made here directly."""
    cmp = small_run.comparison.set_index("comparison")
    clpm = panelsem.fit_model(small_panel, riclpm.build_riclpm(AE, W5, random_intercepts=False), se=False)
    assert cmp.loc["RI-CLPM vs CLPM", "loglik_restricted"] == pytest.approx(clpm.fit["loglik"], abs=1e-5)
    sr = panelsem.fit_model(small_panel, riclpm.build_riclpm(AE, W5, slopes=True), se=False)
    assert cmp.loc["RI-CLPM vs LCM-SR", "loglik_full"] == pytest.approx(sr.fit["loglik"], abs=1e-5)
    ll_arms = sum(panelsem.fit_model(small_panel[small_panel["arm"] == g], riclpm.build_riclpm(AE, W5),
                                       se=False, fit_measures=False).fit["loglik"] for g in ("ICBT", "IPDT"))
    assert cmp.loc["multigroup: lags equal vs free across arms", "loglik_full"] == pytest.approx(ll_arms, abs=1e-5)


def test_models_table(small_run):
    m = small_run.models
    assert list(m["model"].unique()) == [sensitivity.MAIN, "RI-CLPM, robust SEs", sensitivity.CLPM, sensitivity.FREE,
                                         sensitivity.LCMSR, sensitivity.MG_EQUAL, sensitivity.MG_FREE]
    assert {"b_E_A", "b_E_A_se"} <= set(m.columns)
    assert not any(c.startswith("b_D_") for c in m.columns)  # no depression construct here
    # free lags: the summary is the plain mean of the per-wave estimates
    free = small_run.fits[sensitivity.FREE]
    per_wave = panelsem.lagged_effects(free, small_run.specs[sensitivity.FREE])
    mean = per_wave[(per_wave["outcome"] == "E") & (per_wave["predictor"] == "A")]["est"].mean()
    row = m[m["model"] == sensitivity.FREE].iloc[0]
    assert row["b_E_A"] == pytest.approx(mean)
    assert 0 < row["b_E_A_se"] < per_wave["se"].max()  # averaging 3 estimates shrinks the SE
    # one row per arm for the lags-free multigroup model, with that arm's estimate
    arms = m[(m["model"] == sensitivity.MG_FREE) & (m["group"] != "all")]
    assert list(arms["group"]) == ["ICBT", "IPDT"]
    icbt = small_run.fits[sensitivity.MG_FREE]["ICBT"]
    e = icbt.estimates
    assert arms.iloc[0]["b_E_A"] == pytest.approx(e.loc[e["label"] == "b_E_A", "est"].iloc[0])


def test_rule_script(small_panel, tmp_path, repo_root):
    wide = small_panel.rename(columns=lambda c: c.replace("a_", "alli_").replace("e_", "emo_"))
    wide.insert(0, "id", [f"P{i:03d}" for i in range(len(wide))])
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    out = {k: tmp_path / f"{k}.csv" for k in ("comparison", "models")}
    snake = SimpleNamespace(
        input=SimpleNamespace(wide=str(path)),
        params=SimpleNamespace(constructs={"A": "alli_", "E": "emo_"}, waves=W5, effects=[["E", "A"]],
                               arms=["ICBT", "IPDT"], multigroup=["ICBT", "IPDT"], min_coverage=10,
                               indicators=None, se="robust"),
        output=SimpleNamespace(**{k: str(v) for k, v in out.items()}),
        log=[str(tmp_path / "log.txt")],
    )
    runpy.run_path(str(repo_root / "workflow" / "scripts" / "sensitivity.py"), init_globals={"snakemake": snake})
    comparison = pd.read_csv(out["comparison"])
    assert len(comparison) == 5 and comparison["chisq_diff"].notna().sum() == 4
    models = pd.read_csv(out["models"])
    assert len(models) == 9 and "RI-CLPM, standard SEs" in set(models["model"])
    log = (tmp_path / "log.txt").read_text()
    assert "LCM-SR: converged=True" in log and "total seconds=" in log


def test_multigroup_needs_two_arms(small_panel):
    """An arm left out of model.multigroup is not compared; with one arm left the model
    is reported as not fitted, and the other models still run."""
    run = sensitivity.fit_sensitivity(small_panel, AE, [1, 2, 3], [("E", "A")], group_column="arm", groups=["ICBT"])
    cmp = run.comparison.set_index("comparison")
    row = cmp.loc["multigroup: lags equal vs free across arms"]
    assert row["note"].startswith("not fitted") and "names ICBT" in row["note"] and pd.isna(row["chisq_diff"])
    assert cmp.loc["RI-CLPM vs CLPM", "chisq_diff"] > 0


def test_indicator_models_weak_against_strong():
    """Scores and their parcels from one simulated panel: the multiple-indicator models
    join the set, with the likelihood-ratio test of strong against weak invariance."""
    parcels = ws.simulate_indicators(n=300, waves=5, constructs=AE, indicators=3, seed=5).assign(arm="ICBT")
    prefixes = ws.indicator_prefixes(AE, 3)
    wide = pd.DataFrame({f"{prefix}{t}": parcels[[f"{p}{t}" for p in prefixes[k]]].mean(axis=1)
                         for k, prefix in AE.items() for t in W5}).assign(arm="ICBT")
    run = sensitivity.fit_sensitivity(wide, AE, W5, [("E", "A")], group_column=None, parcels=parcels,
                                      indicators=prefixes)
    row = run.comparison.set_index("comparison").loc[sensitivity.MI_COMPARISON]
    assert row["df_diff"] == 2 * 3 * 5 - 2 * 3 - 2 * 4 and row["chisq_diff"] > -1e-6
    models = run.models.set_index("model")
    assert models.loc[[sensitivity.MI_WEAK, sensitivity.MI_STRONG], "converged"].all()
    weak = run.fits[sensitivity.MI_WEAK]
    assert models.loc[sensitivity.MI_WEAK, "b_E_A"] == pytest.approx(weak.params[weak.param_names.index("b_E_A")])
    # The parcels' error is modelled: the autoregression is nearer the simulated 0.3 than the scores' is.
    lag = {name: run.fits[name].params[run.fits[name].param_names.index("b_A_A")]
           for name in (sensitivity.MAIN, sensitivity.MI_WEAK)}
    assert abs(lag[sensitivity.MI_WEAK] - 0.3) < abs(lag[sensitivity.MAIN] - 0.3)


def test_an_arm_too_small_for_the_multigroup_model(small_panel):
    """Six people in one arm: the multigroup model is not estimable, the note says which
    arm and why, and the other models run."""
    six = small_panel[small_panel["arm"] == "IPDT"].index[:6]
    data = small_panel[(small_panel["arm"] == "ICBT") | small_panel.index.isin(six)]
    run = sensitivity.fit_sensitivity(data, AE, [1, 2, 3], [("E", "A")], group_column="arm",
                                      groups=["ICBT", "IPDT"], min_coverage=10)
    cmp = run.comparison.set_index("comparison")
    row = cmp.loc["multigroup: lags equal vs free across arms"]
    assert row["note"] == ("not estimable: arm IPDT: 6 participants have a score that the model uses, fewer than "
                           "model.min_coverage (10)")
    assert pd.isna(row["chisq_diff"]) and sensitivity.MG_EQUAL not in set(run.models["model"])
    assert cmp.loc["RI-CLPM vs CLPM", "chisq_diff"] > 0 and run.models["converged"].all()


# --- lavaan -------------------------------------------------------------------------

@pytest.mark.needs("lavaan")
def test_lcmsr_agrees_with_lavaan(tmp_path, agrees_with_lavaan):
    # 6 waves: with 5 some seeds put a slope or intercept variance on the boundary,
    # where lavaan (unbounded variances) and we (bounded) legitimately differ.
    w6 = list(range(1, 7))
    data = with_slopes(ws.simulate_wide(n=300, waves=6, constructs=AE, seed=21), AE, w6, sd=0.3, seed=4)
    spec = riclpm.build_riclpm(AE, w6, slopes=True)
    ours = panelsem.fit_model(data, spec)
    assert ours.diagnostics["converged"] and not ours.diagnostics["heywood"]
    lav = lc.run_lavaan(data, spec, tmp_path)
    agrees_with_lavaan(lc.compare(ours, lav))
