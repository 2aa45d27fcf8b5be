"""Reliability: alpha against hand arithmetic, omega against known population loadings."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from panelstudy.reliability import cronbach_alpha, omega_from_fit, omega_total, one_factor_ml, reliability_table

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / ".test" / "small" / "config.yaml").read_text())

LOADINGS = np.array([0.8, 0.7, 0.6, 0.5])
RESIDUALS = 1 - LOADINGS**2
# (0.8+0.7+0.6+0.5)^2 = 2.6^2 = 6.76; residuals 0.36+0.51+0.64+0.75 = 2.26
OMEGA = 6.76 / (6.76 + 2.26)


def test_alpha_hand_computed_4x3():
    x = np.array([[1, 2, 3], [2, 2, 4], [3, 4, 4], [4, 4, 5]])
    # item variances (ddof 1): 5/3, 4/3, 2/3 -> sum 11/3
    # row sums 6, 8, 11, 13: deviations from 9.5 are -3.5, -1.5, 1.5, 3.5 -> variance 29/3
    # alpha = 3/2 * (1 - (11/3) / (29/3)) = 3/2 * 18/29 = 27/29
    assert cronbach_alpha(x) == pytest.approx(27 / 29)


def test_alpha_standardized_matches_mean_correlation_formula():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 5)) + rng.normal(size=(50, 1))
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    r = np.corrcoef(x, rowvar=False)
    k = 5
    mean_r = (r.sum() - k) / (k * (k - 1))
    assert cronbach_alpha(z) == pytest.approx(k * mean_r / (1 + (k - 1) * mean_r))


def test_alpha_rejects_missing_values():
    with pytest.raises(ValueError, match="missing"):
        cronbach_alpha(np.array([[1, 2], [np.nan, 3], [2, 2]]))


def test_one_factor_recovers_population_loadings():
    cov = np.outer(LOADINGS, LOADINGS) + np.diag(RESIDUALS)
    loadings, residuals = one_factor_ml(cov)
    np.testing.assert_allclose(loadings, LOADINGS, atol=1e-5)
    np.testing.assert_allclose(residuals, RESIDUALS, atol=1e-5)
    assert omega_from_fit(loadings, residuals) == pytest.approx(OMEGA, abs=1e-6)


def sample_with_covariance(cov, n, seed):
    """Data whose sample covariance (ddof 1) equals cov exactly."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    return z @ np.linalg.cholesky(cov).T + 10


def test_omega_total_on_data_with_exact_population_covariance():
    sd = np.array([1.0, 2.0, 0.5, 3.0])
    cov = np.outer(LOADINGS * sd, LOADINGS * sd) + np.diag(RESIDUALS * sd**2)
    x = sample_with_covariance(cov, 40, seed=1)
    # On the raw scale: loadings 0.8, 1.4, 0.3, 1.5 (sum 4.0, squared 16);
    # residuals 0.36, 2.04, 0.16, 6.75 (sum 9.31)
    assert omega_total(x) == pytest.approx(16 / (16 + 9.31), abs=1e-6)


def test_omega_agrees_with_semopy():
    semopy = pytest.importorskip("semopy")
    rng = np.random.default_rng(11)
    factor = rng.normal(size=(400, 1))
    x = factor * LOADINGS + rng.normal(size=(400, 4)) * np.sqrt(RESIDUALS)
    data = pd.DataFrame(x, columns=["x1", "x2", "x3", "x4"])
    model = semopy.Model("f =~ x1 + x2 + x3 + x4")
    model.fit(data)
    est = model.inspect().set_index(["lval", "op", "rval"])["Estimate"].astype(float)
    lam = np.array([est[(f"x{i}", "~", "f")] for i in range(1, 5)])
    phi = est[("f", "~~", "f")]
    psi = np.array([est[(f"x{i}", "~~", f"x{i}")] for i in range(1, 5)])
    expected = lam.sum() ** 2 * phi / (lam.sum() ** 2 * phi + psi.sum())
    assert omega_total(x) == pytest.approx(expected, abs=1e-3)


def item_table(inst, weeks, n, seed, loading=0.8):
    rng = np.random.default_rng(seed)
    rows = []
    for week in weeks:
        factor = rng.normal(size=(n, 1))
        raw = loading * factor + np.sqrt(1 - loading**2) * rng.normal(size=(n, len(inst["items"])))
        items = np.clip(np.round(1.5 + raw), inst["item_min"], inst["item_max"])
        frame = pd.DataFrame(items, columns=inst["items"])
        frame.insert(0, "rater", inst["rater"])
        frame.insert(0, "week", week)
        frame.insert(0, "arm", "ICBT")
        frame.insert(0, "id", [f"P{i:03d}" for i in range(n)])
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def test_reliability_table_units_and_complete_rows():
    config = copy.deepcopy(CONFIG)
    config["instruments"] = {key: config["instruments"][key] for key in ["ersq", "qids"]}
    config["instruments"]["ersq"]["weeks"] = [1, 2]
    config["instruments"]["qids"]["weeks"] = [0]
    ersq = item_table(config["instruments"]["ersq"], [1, 2], 30, seed=1)
    ersq.loc[0, "ersq3"] = np.nan  # one incomplete row in week 1
    ersq = ersq[~((ersq["week"] == 2) & (ersq["id"] >= "P008"))]  # week 2: 8 rows < k + 1 = 10
    qids = item_table(config["instruments"]["qids"], [0], 30, seed=2)
    qids.loc[0, "qids01"] = np.nan  # sleep still scored from qids02-04: row stays
    table = reliability_table({"ersq": ersq, "qids": qids}, config["instruments"])
    assert list(table[["instrument", "week", "unit", "k", "n"]].itertuples(index=False, name=None)) == [
        ("ersq", 1, "items", 9, 29),
        ("ersq", 2, "items", 9, 8),
        ("qids", 0, "domains", 9, 30),
    ]
    assert table.loc[1, ["alpha", "omega"]].isna().all()
    assert (table.loc[[0, 2], ["alpha", "omega"]] > 0.5).all().all()


def test_a_part_constant_within_a_week_leaves_that_week_without_alpha_and_omega():
    """Everyone answered ersq3 with 2 in week 1 (legal data): that week's one-factor model
    is undefined, so alpha and omega are missing there, and week 2 is unaffected."""
    config = copy.deepcopy(CONFIG)
    inst = {"ersq": config["instruments"]["ersq"] | {"weeks": [1, 2]}}
    ersq = item_table(inst["ersq"], [1, 2], 30, seed=1)
    ersq.loc[ersq["week"] == 1, "ersq3"] = 2.0
    table = reliability_table({"ersq": ersq}, inst).set_index("week")
    assert table.loc[1, ["alpha", "omega"]].isna().all() and table.loc[1, "n"] == 30
    assert (table.loc[2, ["alpha", "omega"]] > 0.5).all()
