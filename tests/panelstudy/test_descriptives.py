"""Descriptives, retention and ICCs against hand-computed and independent results."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.optimize import minimize

from panelstudy.descriptives import descriptives_by_arm_week, icc_table, random_intercept_reml, retention_by_week

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / ".test" / "small" / "config.yaml").read_text())


def test_icc_balanced_hand_example():
    # Persons (1, 3), (4, 6), (7, 9): means 2, 5, 8, grand mean 5.
    # SSW = 3 * 2 = 6 on 3 df -> MSW = 2; SSB = 2 * (9 + 0 + 9) = 36 on 2 df -> MSB = 18.
    # ANOVA ICC(1): var_between = (18 - 2) / 2 = 8, var_within = 2, ICC = 8 / 10.
    y = np.array([1, 3, 4, 6, 7, 9])
    groups = np.array(["a", "a", "b", "b", "c", "c"])
    between, within = random_intercept_reml(y, groups, np.ones((6, 1)))
    assert between == pytest.approx(8, rel=1e-6)
    assert within == pytest.approx(2, rel=1e-6)


def test_icc_zero_when_person_means_are_equal():
    # Means 2 and 2: MSB = 0 < MSW, so the between variance sits on its boundary, 0.
    y = np.array([1, 3, 3, 1])
    between, within = random_intercept_reml(y, np.array([1, 1, 2, 2]), np.ones((4, 1)))
    assert between == 0
    assert within == pytest.approx(4 / 3)  # r'r / (N - p) = 4 / 3


def dense_reml(y, groups, x):
    """REML by brute force: full V, numerical optimisation over both variances."""
    same = (groups[:, None] == groups[None, :]).astype(float)

    def minus2ll(theta):
        between, within = np.exp(theta)
        v = between * same + within * np.eye(len(y))
        vinv = np.linalg.inv(v)
        xtvx = x.T @ vinv @ x
        beta = np.linalg.solve(xtvx, x.T @ vinv @ y)
        r = y - x @ beta
        return np.linalg.slogdet(v)[1] + np.linalg.slogdet(xtvx)[1] + r @ vinv @ r

    fit = minimize(minus2ll, np.log([1.0, 1.0]), method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000})
    return np.exp(fit.x)


def test_icc_unbalanced_matches_dense_reml_with_week_effects():
    rng = np.random.default_rng(5)
    sizes = [1, 2, 3, 4, 4, 3, 2, 5, 5, 1]
    groups = np.repeat(np.arange(len(sizes)), sizes)
    weeks = np.concatenate([np.arange(s) for s in sizes])
    y = rng.normal(size=len(sizes))[groups] * 1.5 + 0.3 * weeks + rng.normal(size=len(groups))
    x = pd.get_dummies(weeks).to_numpy(dtype=float)
    expected = dense_reml(y, groups, x)
    np.testing.assert_allclose(random_intercept_reml(y, groups, x), expected, rtol=1e-4)


def scores_fixture():
    # One cell (sai_patient, ICBT, week 1) holds 1, 2, 3, 6 and a missing score.
    return pd.DataFrame({
        "instrument": "sai_patient",
        "id": ["A", "B", "C", "D", "E", "F"],
        "arm": ["ICBT"] * 5 + ["IPDT"],
        "week": 1,
        "score": [1.0, 2.0, 3.0, 6.0, np.nan, 4.0],
    })


def one_instrument_config(weeks):
    config = copy.deepcopy(CONFIG)
    config["instruments"] = {"sai_patient": config["instruments"]["sai_patient"]}
    config["instruments"]["sai_patient"]["weeks"] = weeks
    return config


def test_descriptives_hand_computed():
    out = descriptives_by_arm_week(scores_fixture(), list(one_instrument_config([1])["instruments"]))
    icbt = out[out["arm"] == "ICBT"].iloc[0]
    # mean 12 / 4 = 3; squared deviations 4 + 1 + 0 + 9 = 14 -> SD sqrt(14 / 3)
    sd = np.sqrt(14 / 3)
    half = 3.182446305 * sd / 2  # t(0.975, 3) from tables; SE = SD / sqrt(4)
    assert icbt["n"] == 4
    assert icbt["mean"] == pytest.approx(3)
    assert icbt["sd"] == pytest.approx(sd)
    assert icbt["ci_low"] == pytest.approx(3 - half)
    assert icbt["ci_high"] == pytest.approx(3 + half)
    ipdt = out[out["arm"] == "IPDT"].iloc[0]
    assert ipdt["n"] == 1 and np.isnan(ipdt["sd"]) and np.isnan(ipdt["ci_low"])


def test_retention_counts():
    config = one_instrument_config([1])
    items = config["instruments"]["sai_patient"]["items"]
    validated = pd.DataFrame({"id": list("ABCDEF"), "arm": "ICBT", "week": 1, "rater": "patient"})
    for item in items:
        validated[item] = [1.0, 2.0, 3.0, 6.0, np.nan, 4.0]
    validated = validated[validated["id"] != "F"]  # F randomised via another instrument only
    other = pd.DataFrame({"id": ["F", "G"], "arm": "IPDT", "week": 1})
    out = retention_by_week(scores_fixture(), {"sai_patient": validated, "other": other}, config["instruments"])
    row = out.iloc[0]
    # randomised: A-G = 7; responded: A-D (E all missing); scored: A, B, C, D, F = 5
    assert (row["randomised"], row["responded"], row["scored"]) == (7, 4, 5)
    assert row["pct_missing"] == pytest.approx(100 * 2 / 7)


def test_retention_leaves_out_the_arms_an_instrument_is_not_given_in():
    config = one_instrument_config([1])
    config["instruments"]["sai_patient"]["arms"] = ["ICBT"]
    items = config["instruments"]["sai_patient"]["items"]
    validated = pd.DataFrame({"id": list("ABCDE"), "arm": "ICBT", "week": 1, "rater": "patient"})
    for item in items:
        validated[item] = [1.0, 2.0, 3.0, 6.0, np.nan]
    other = pd.DataFrame({"id": ["F", "G"], "arm": "IPDT", "week": 1})  # a waitlist: no alliance
    scores = scores_fixture()
    scores = scores[scores["id"] != "F"]
    row = retention_by_week(scores, {"sai_patient": validated, "other": other}, config["instruments"]).iloc[0]
    # F and G do not get the instrument: 2 not applicable; of the 5 who do, A-D scored.
    assert (row["randomised"], row["not_applicable"], row["responded"], row["scored"]) == (7, 2, 4, 4)
    assert row["pct_missing"] == pytest.approx(100 * 1 / 5)


def test_icc_table_uses_model_waves_and_both_mean_models():
    config = copy.deepcopy(CONFIG)
    config["instruments"] = {"qids": config["instruments"]["qids"]}
    config["instruments"]["qids"]["weeks"] = [0, 1, 2]
    config["model"]["waves"] = [1, 2]
    # Week 0 would make the ICC near zero if it entered (it anti-correlates with later weeks).
    scores = pd.DataFrame({
        "instrument": "qids",
        "id": list("ABCABCABC"),
        "arm": "ICBT",
        "week": [0] * 3 + [1] * 3 + [2] * 3,
        "score": [9, 5, 1, 1, 6, 7, 3, 4, 9],
    }).astype({"score": float})
    table = icc_table(scores, config["instruments"], config["model"]["waves"])
    assert list(table["mean_model"]) == ["grand mean", "week means"]
    assert (table["weeks"] == "1-2").all()
    assert (table["n_obs"] == 6).all()
    # Grand mean: persons (1, 3), (6, 4), (7, 9) have means 2, 5, 8 and SSW 2 each, so
    # MSB = 18, MSW = 2 as in the hand example: ICC 8 / 10.
    assert table.loc[0, "icc"] == pytest.approx(0.8, rel=1e-6)
    # Week means 14/3 and 16/3: SS_weeks = 3 * (1/9 + 1/9) = 2/3, residual SS 6 - 2/3 = 16/3
    # on 2 df -> MSE 8/3; var_between = (18 - 8/3) / 2 = 23/3; ICC = 23 / (23 + 8) = 23/31.
    assert table.loc[1, "var_within"] == pytest.approx(8 / 3, rel=1e-6)
    assert table.loc[1, "icc"] == pytest.approx(23 / 31, rel=1e-6)
