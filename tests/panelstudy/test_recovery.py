"""The parameter-recovery study: scattering, population values, and the summary statistics."""

import logging

import numpy as np
import pandas as pd
import pytest

from panelreport.recovery_report import recovery_table
from panelstudy import params
from panelstudy.recovery import (chain_name, coverage_band, lagged_labels, parameter_label, population_values,
                                 run_replications, scatter_indices, summarise)

SHORTS = ["A", "E", "D"]
NAMES = {"A": "alliance", "E": "regulation", "D": "depression"}
CHAINS = [{"label": "A via E to D", "parameters": ["b_E_A", "b_D_E"]}]
LAGGED = lagged_labels(SHORTS)


def test_scatter_items_partition_the_replications():
    parts = [scatter_indices(f"{i}-of-3", 7) for i in (1, 2, 3)]
    assert parts == [[0, 3, 6], [1, 4], [2, 5]]
    assert scatter_indices("5-of-8", 4) == []
    for bad in ("0-of-3", "4-of-3", "3", "a-of-b"):
        with pytest.raises(ValueError, match="scatter item"):
            scatter_indices(bad, 7)


def test_population_values_are_the_configured_B(config):
    B = np.array(config["synthetic"]["lagged_effects"])
    values = population_values(B, SHORTS, CHAINS)
    assert values["b_D_A"] == B[2, 0] and values["b_E_A"] == B[1, 0] and values["b_A_D"] == B[0, 2]
    assert values["b_E_A*b_D_E"] == pytest.approx(B[1, 0] * B[2, 1])
    assert set(values) == {*LAGGED, "b_E_A*b_D_E"}
    assert chain_name(CHAINS[0]["parameters"]) == "b_E_A*b_D_E"


def test_parameter_labels_name_the_processes():
    assert parameter_label("b_D_A", NAMES) == "alliance → depression"
    assert parameter_label("b_E_A*b_D_E", NAMES) == "alliance → regulation → depression"


def test_summary_statistics_by_hand():
    rows = [
        # estimate, lower, upper, converged: truth 1.0 is inside the 1st and 3rd interval only
        (0.9, 0.8, 1.05, True), (1.1, 1.02, 1.2, True), (1.3, 0.95, 1.6, True), (50.0, 49, 51, False),
    ]
    results = pd.DataFrame([{"replication": i, "seed": i, "converged": c, "parameter": "b_D_A", "method": "Wald",
                             "estimate": e, "se": 0.1, "lower": lo, "upper": up, "bootstrap_not_converged": np.nan}
                            for i, (e, lo, up, c) in enumerate(rows)])
    out = summarise(results, {"b_D_A": 1.0}, NAMES).iloc[0]
    assert out["replications"] == 3 and out["not_converged"] == 1
    assert out["bias"] == pytest.approx(0.1)
    assert out["relative_bias"] == pytest.approx(0.1)
    assert out["rmse"] == pytest.approx(np.sqrt((0.01 + 0.01 + 0.09) / 3))
    assert out["empirical_sd"] == pytest.approx(0.2)
    assert out["standardised_bias"] == pytest.approx(0.5)
    assert out["coverage"] == pytest.approx(2 / 3)
    assert out["coverage_mcse"] == pytest.approx(np.sqrt(2 / 9 / 3))
    assert out["mean_width"] == pytest.approx((0.25 + 0.18 + 0.65) / 3)


def test_coverage_band():
    lo, hi = coverage_band(100)
    assert lo == pytest.approx(0.95 - 1.959964 * np.sqrt(0.95 * 0.05 / 100))
    assert hi == pytest.approx(0.95 + 1.959964 * np.sqrt(0.95 * 0.05 / 100))
    assert coverage_band(10)[1] == 1.0


@pytest.fixture
def small_config(config):
    """What the recovery rule hands each chunk."""
    return params.recovery(config)


def test_replications_do_not_depend_on_how_they_are_scattered(small_config):
    logging.disable(logging.WARNING)
    together = run_replications(small_config, [0, 1], bootstrap=10, draws=5000, progress=False)
    alone = run_replications(small_config, [1], bootstrap=10, draws=5000, progress=False)
    pd.testing.assert_frame_equal(together[together["replication"] == 1].reset_index(drop=True), alone)
    # Different replications are different trials.
    a, b = (together[(together["replication"] == r) & (together["parameter"] == "b_D_A")]["estimate"].iloc[0]
            for r in (0, 1))
    assert a != b
    assert set(together["method"]) == {"Wald", "Monte Carlo", "bootstrap"}
    assert together["converged"].all()
    wald = together[together["method"] == "Wald"]
    assert np.allclose(wald["upper"] - wald["estimate"], wald["estimate"] - wald["lower"])
    truth = population_values(np.array(small_config["synthetic"]["lagged_effects"]), SHORTS, CHAINS)
    table = recovery_table(summarise(together, truth, NAMES))
    assert len(table) == len(LAGGED) + 2


def test_a_replication_that_does_not_converge_is_kept_and_flagged(small_config, monkeypatch):
    from panelstudy import recovery

    converged = run_replications(small_config, [4], bootstrap=10, draws=5000, progress=False)
    real_fit = recovery.fit_model

    def failing_fit(*args, **kwargs):
        result = real_fit(*args, **kwargs)
        result.diagnostics["converged"] = False
        return result

    monkeypatch.setattr(recovery, "fit_model", failing_fit)
    rows = run_replications(small_config, [3], bootstrap=10, draws=5000, progress=False)
    assert len(rows) == len(LAGGED) + 2 and not rows["converged"].any()
    assert rows[["lower", "upper"]].isna().all().all()
    truth = population_values(np.array(small_config["synthetic"]["lagged_effects"]), SHORTS, CHAINS)
    summary = summarise(pd.concat([rows, converged]), truth, NAMES)
    assert (summary["not_converged"] == 1).all() and (summary["replications"] == 1).all()
