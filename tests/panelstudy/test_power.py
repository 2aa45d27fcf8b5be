"""The power analysis of a planned trial: its design, the analytic standard errors
against simulated fits, the summary statistics, and the N for 80% power."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from panelsem.information import expected_information, sampling_covariance
from panelsem.model import Matrices
from panelstudy import params
from panelstudy.power import (analytic_n, analytic_power, crossing, needed, population_vector, run_replications,
                              simulate_scores, sized, spec_of, summarise, wilson)
from panelstudy.recovery import scatter_indices


@pytest.fixture
def planned(config):
    """The small test config's planned trial: 5 waves, observed scores, no attrition."""
    config["power"].update(waves=5, simulate="scores", replications=8)
    config["power"]["attrition"].update(dropout_hazard=0.0, skip_probability=0.0)
    return params.power(config)


def test_the_planned_trial_follows_the_power_section(config):
    config["power"].update(waves=6)
    config["power"]["attrition"].update(dropout_hazard=0.1)
    config["power"]["population"] = {"lagged_effects": [[0.2, 0, 0], [0.3, 0.2, 0], [-1.0, -1.0, 0.2]]}
    design = params.power(config)
    assert design["model"]["waves"] == [1, 2, 3, 4, 5, 6]
    # The first instrument of each process only, at every planned wave; the driver keeps its baseline week.
    assert [p["instruments"] for p in design["processes"]] == [["sai_patient"], ["ersq"], ["qids"]]
    assert design["instruments"]["qids"]["weeks"] == [0, 1, 2, 3, 4, 5, 6]
    assert design["instruments"]["ersq"]["weeks"] == [1, 2, 3, 4, 5, 6]
    assert design["data"]["arms"] == config["model"]["arms"]
    assert design["synthetic"]["lagged_effects"][2] == [-1.0, -1.0, 0.2]
    assert design["synthetic"]["innovation_sd"] == config["synthetic"]["innovation_sd"]
    assert design["synthetic"]["missingness"]["dropout_hazard"] == 0.1
    assert design["synthetic"]["missingness"]["baseline"] == config["synthetic"]["missingness"]["baseline"]
    # Lower depression is better, so "more alliance -> less depression" is negative on the score scale.
    signs = {e["name"]: (e["kind"], e["score_sign"]) for e in design["effects"]}
    assert signs == {"b_D_A": ("path", -1), "b_D_E": ("path", -1), "b_E_A": ("path", 1),
                     "b_E_A*b_D_E": ("indirect", -1)}


def test_population_vector_places_the_configured_population(planned, config):
    spec = spec_of(planned)
    matrices = Matrices(spec)
    x = dict(zip(matrices.names, population_vector(planned, matrices.names, matrices.keys)))
    syn = config["synthetic"]
    B = np.array(syn["lagged_effects"])
    assert x["b_D_A"] == B[2, 0] and x["b_A_D"] == B[0, 2] and x["b_E_A"] == B[1, 0]
    q = np.outer(syn["innovation_sd"], syn["innovation_sd"]) * np.array(syn["innovation_correlation"])
    assert x["w_D3~~w_D3"] == pytest.approx(q[2, 2]) and x["w_A2~~w_E2"] == pytest.approx(q[0, 1])
    # Wave 1 is in equilibrium: S = B S B' + Q.
    s = np.array([[x[f"w_{a}1~~w_{b}1"] if f"w_{a}1~~w_{b}1" in x else x[f"w_{b}1~~w_{a}1"] for b in "AED"]
                  for a in "AED"])
    np.testing.assert_allclose(s, B @ s @ B.T + q, atol=1e-10)
    assert x["RI_D~~RI_D"] == pytest.approx(syn["intercept_sd"][2] ** 2)
    assert x["qids_1~1"] == syn["mean_start"][2] and x["ersq_5~1"] == pytest.approx(syn["mean_end"][1])


def test_analytic_standard_errors_agree_with_simulated_fits(planned):
    """Observed scores without attrition, 150 per arm: the mean SE of the fits is within
    5% of the analytic SE at the population values, and the empirical SD of the
    estimates agrees with both within 3 Monte Carlo SEs (three paths, two comparisons
    each: 3 rather than 1.96 keeps the family's chance of a false alarm small)."""
    r, n_per_arm = 60, 150
    spec = spec_of(planned)
    matrices = Matrices(spec)
    x = population_vector(planned, matrices.names, matrices.keys)
    vcov = sampling_covariance(expected_information(spec, x), 2 * n_per_arm)
    design = {**planned, "replications": r}
    results = run_replications(design, n_per_arm, list(range(r)), progress=False)
    assert results["converged"].all()
    for effect in ("b_D_A", "b_D_E", "b_E_A"):
        rows = results[results["parameter"] == effect]
        analytic_se = float(np.sqrt(vcov.loc[effect, effect]))
        mean_se, sd = rows["se"].mean(), rows["estimate"].std(ddof=1)
        assert mean_se == pytest.approx(analytic_se, rel=0.05), effect
        sd_error = 3 / np.sqrt(2 * (r - 1))  # relative Monte Carlo SE of an SD, times 3
        assert abs(sd / analytic_se - 1) < sd_error, (effect, sd, analytic_se)
        assert abs(sd / mean_se - 1) < sd_error, (effect, sd, mean_se)


def test_simulated_scores_have_the_population_moments(planned):
    """Latent scores observed directly: wave means and the variance of a wave as the
    population model implies them (one large trial)."""
    spec = spec_of(planned)
    matrices = Matrices(spec)
    sigma, mu, _, _ = matrices.implied(population_vector(planned, matrices.names, matrices.keys))
    wide = simulate_scores(sized(planned, 20000), seed=5)[matrices.observed]
    assert wide.notna().all().all()
    se_mean = np.sqrt(np.diag(sigma) / len(wide))
    assert np.all(np.abs(wide.mean().to_numpy() - mu) < 4 * se_mean)
    np.testing.assert_allclose(wide.var().to_numpy(), np.diag(sigma), rtol=0.05)


def test_analytic_power_rises_with_n_and_reaches_the_target_at_analytic_n():
    n = np.array([20, 50, 100, 400])
    power = analytic_power(-0.3, 2.0, -1, n, 0.05)
    assert np.all(np.diff(power) > 0)
    needed_n = analytic_n(-0.3, 2.0, -1, 0.05)
    assert analytic_power(-0.3, 2.0, -1, needed_n, 0.05) == pytest.approx(0.8)
    # By hand: N = ((z_.975 + z_.8) SE_1 / |theta|)^2.
    assert needed_n == pytest.approx(((norm.ppf(0.975) + norm.ppf(0.8)) * 2.0 / 0.3) ** 2)
    assert analytic_n(0.3, 2.0, -1, 0.05) == np.inf  # the effect lies on the other side


def test_crossing_interpolates_probit_power_against_root_n():
    n, power = np.array([50, 100, 200]), np.array([0.5, 0.7, 0.9])
    # Between 100 and 200, by hand: the share of the way from probit(0.7) to probit(0.9).
    share = (norm.ppf(0.8) - norm.ppf(0.7)) / (norm.ppf(0.9) - norm.ppf(0.7))
    assert crossing(n, power) == pytest.approx((10 + share * (np.sqrt(200) - 10)) ** 2)
    assert np.isnan(crossing(n, np.array([0.1, 0.2, 0.3])))
    assert crossing(n, np.array([0.85, 0.9, 0.95])) == 50


def test_wilson_interval_by_hand():
    low, high = wilson(1.0, 24)
    z2 = norm.ppf(0.975) ** 2
    assert low == pytest.approx(24 / (24 + z2)) and high == pytest.approx(1.0)
    low, high = wilson(0.5, 100)
    assert 0.5 - low == pytest.approx(high - 0.5) and high - low == pytest.approx(0.1923, abs=1e-4)


def results_frame(rows):
    return pd.DataFrame([{"n_per_arm": n, "replication": i, "seed": i, "converged": c, "parameter": "b_D_A",
                          "estimate": e, "se": 0.1, "lower": lo, "upper": up, "detected": d}
                         for i, (n, e, lo, up, d, c) in enumerate(rows)])


def test_summary_statistics_by_hand():
    # Pseudo-true -0.5: covered by the first two intervals only; the fourth did not converge.
    results = results_frame([(50, -0.45, -0.6, -0.3, True, True), (50, -0.65, -0.9, -0.4, True, True),
                             (50, -0.1, -0.3, 0.1, False, True), (50, np.nan, np.nan, np.nan, np.nan, False)])
    effects = pd.DataFrame([{"parameter": "b_D_A", "label": "A to D", "kind": "path", "score_sign": -1,
                             "pseudo_true": -0.5, "population": -0.6, "unit_se": 2.0}])
    design = {"alpha": 0.05, "data": {"arms": ["a", "b"]}}
    row = summarise(results, design, effects).iloc[0]
    assert row["n"] == 100 and row["replications"] == 4 and row["converged"] == 3 and row["convergence"] == 0.75
    assert row["power"] == pytest.approx(2 / 3)
    assert row["power_mcse"] == pytest.approx(np.sqrt(2 / 9 / 3))
    assert row["bias"] == pytest.approx(-0.4 + 0.5)
    assert row["coverage"] == pytest.approx(2 / 3)
    assert row["analytic_se"] == pytest.approx(0.2)
    assert row["analytic_power"] == pytest.approx(norm.cdf(0.5 / 0.2 - norm.ppf(0.975)))


def test_needed_reads_the_crossing_and_its_band_off_the_curve():
    summary = pd.DataFrame({"parameter": "b_D_A", "n_per_arm": [50, 100, 200], "power": [0.5, 0.7, 0.9],
                            "converged": 500})
    summary["power_low"], summary["power_high"] = wilson(summary["power"], summary["converged"])
    effects = pd.DataFrame([{"parameter": "b_D_A", "label": "A to D", "pseudo_true": -0.5, "unit_se": 4.0,
                             "score_sign": -1}])
    row = needed(summary, effects, {"alpha": 0.05, "data": {"arms": ["a", "b"]}}).iloc[0]
    # probit(0.7), probit(0.8), probit(0.9) = 0.5244, 0.8416, 1.2816, between sqrt(100) and sqrt(200)
    root = 10 + (200 ** 0.5 - 10) * (0.841621 - 0.524401) / (1.281552 - 0.524401)
    assert row["mc_n_per_arm"] == pytest.approx(root ** 2, rel=1e-5)
    assert 100 < row["mc_low"] < row["mc_n_per_arm"] < row["mc_high"] < 200
    # ((1.959964 + 0.841621) * 4 / 0.5) ** 2 participants in all, over 2 arms
    assert row["analytic_n_per_arm"] == pytest.approx((2.801585 * 8) ** 2 / 2, rel=1e-5)
    assert analytic_n(0.5, 4.0, -1, 0.05) == np.inf


def test_replications_do_not_depend_on_how_they_are_scattered(planned):
    whole = run_replications(planned, 40, list(range(8)), progress=False)
    parts = pd.concat([run_replications(planned, 40, scatter_indices(f"{i}-of-3", 8), progress=False)
                       for i in (1, 2, 3)], ignore_index=True)
    parts = parts.sort_values(["replication", "parameter"], kind="stable").reset_index(drop=True)
    whole = whole.sort_values(["replication", "parameter"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(parts, whole)
