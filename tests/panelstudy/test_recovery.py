"""The parameter-recovery study: scattering, population values, and the summary statistics."""

import logging

import numpy as np
import pandas as pd
import pytest

from panelreport.recovery_report import recovery_table
from panelstudy import params
from panelreport.recovery_report import check_verdict
from panelstudy.design import INDICATORS, OBSERVED
from panelstudy.recovery import (chain_name, coverage_band, lagged_labels, parameter_label, population_values,
                                 run_replications, scatter_indices, summarise, targets)

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


def by_hand_results(rows, analysis=OBSERVED):
    return pd.DataFrame([{"replication": i, "seed": i, "analysis": analysis, "converged": c, "parameter": "b_D_A",
                          "method": "Wald", "estimate": e, "se": 0.1, "lower": lo, "upper": up,
                          "bootstrap_not_converged": np.nan}
                         for i, (e, lo, up, c) in enumerate(rows)])


def test_summary_statistics_by_hand():
    rows = [
        # estimate, lower, upper, converged: 1.0 is inside the 1st and 3rd interval only, 1.1 inside the 2nd and 3rd
        (0.9, 0.8, 1.05, True), (1.1, 1.02, 1.2, True), (1.3, 0.95, 1.6, True), (50.0, 49, 51, False),
    ]
    out = summarise(by_hand_results(rows), {(OBSERVED, "b_D_A"): {"latent": 1.0, "pseudo_true": 1.1}}, NAMES).iloc[0]
    assert out["replications"] == 3 and out["not_converged"] == 1
    assert out["latent"] == 1.0 and out["pseudo_true"] == 1.1
    assert out["bias_latent"] == pytest.approx(0.1) and out["bias_pseudo_true"] == pytest.approx(0.0)
    assert out["relative_bias_latent"] == pytest.approx(0.1)
    assert out["rmse_latent"] == pytest.approx(np.sqrt((0.01 + 0.01 + 0.09) / 3))
    assert out["rmse_pseudo_true"] == pytest.approx(np.sqrt((0.04 + 0.0 + 0.04) / 3))
    assert out["empirical_sd"] == pytest.approx(0.2)
    assert out["standardised_bias_latent"] == pytest.approx(0.5)
    assert out["coverage_latent"] == pytest.approx(2 / 3) and out["coverage_pseudo_true"] == pytest.approx(2 / 3)
    assert out["coverage_latent_mcse"] == pytest.approx(np.sqrt(2 / 9 / 3))
    assert out["mean_width"] == pytest.approx((0.25 + 0.18 + 0.65) / 3)


def test_targets_take_the_complete_data_limit_of_the_indicator_model():
    table = pd.DataFrame([
        {"model": "m", "analysis": OBSERVED, "parameter": "b_D_A", "latent": -0.6, "pseudo_true": -0.5,
         "complete_data": -0.49},
        {"model": "m", "analysis": INDICATORS, "parameter": "b_D_A", "latent": -0.6, "pseudo_true": np.nan,
         "complete_data": -0.61},
        {"model": "other", "analysis": OBSERVED, "parameter": "b_D_A", "latent": np.nan, "pseudo_true": -0.3,
         "complete_data": -0.3},
    ])
    assert targets(table, "m") == {(OBSERVED, "b_D_A"): {"latent": -0.6, "pseudo_true": -0.5},
                                   (INDICATORS, "b_D_A"): {"latent": -0.6, "pseudo_true": -0.61}}


def test_the_check_passes_inside_the_band_only():
    """500 replications: the band is 93.1% to 96.9%; 470 of 500 covered is 94%."""
    target = {(OBSERVED, "b_D_A"): {"latent": 2.0, "pseudo_true": 1.0}}
    inside = [(1.0, 0.9, 1.1, True)] * 470 + [(1.3, 1.2, 1.4, True)] * 30
    lines, ok = check_verdict(summarise(by_hand_results(inside), target, NAMES))
    assert ok and lines[1].startswith("PASS alliance → depression: 0.940") and lines[-1].startswith("CHECKED: 1 of 1")
    assert "band 0.931 to 0.969" in lines[0]
    short = [(1.0, 0.9, 1.1, True)] * 460 + [(1.3, 1.2, 1.4, True)] * 40
    lines, ok = check_verdict(summarise(by_hand_results(short), target, NAMES))
    assert not ok and lines[1].startswith("FAIL") and lines[-1].startswith("FAILED")


def test_coverage_band():
    lo, hi = coverage_band(100)
    assert lo == pytest.approx(0.95 - 1.959964 * np.sqrt(0.95 * 0.05 / 100))
    assert hi == pytest.approx(0.95 + 1.959964 * np.sqrt(0.95 * 0.05 / 100))
    assert coverage_band(10)[1] == 1.0


@pytest.fixture
def small_config(config):
    """What the recovery rule hands each chunk: the multiple-indicator model in the first replication."""
    config["recovery"]["indicator_replications"] = 1
    return params.recovery(config)


def reference_values(design):
    """Latent values as both references: enough for the shape of the summary."""
    values = population_values(np.array(design["synthetic"]["lagged_effects"]), SHORTS, CHAINS)
    return {(analysis, name): {"latent": v, "pseudo_true": v} for analysis in (OBSERVED, INDICATORS)
            for name, v in values.items()}


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
    table = recovery_table(summarise(together, reference_values(small_config), NAMES))
    # The multiple-indicator model in the first replication: its lagged effects and the Monte Carlo interval.
    assert len(table) == len(LAGGED) + 2 + len(LAGGED) + 1
    assert set(together.loc[together["replication"] == 1, "analysis"]) == {OBSERVED}


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
    summary = summarise(pd.concat([rows, converged]), reference_values(small_config), NAMES)
    assert (summary["not_converged"] == 1).all() and (summary["replications"] == 1).all()
