"""Pseudo-true values: the analysis fitted to a large synthetic trial, with its Monte
Carlo precision, its complete-data twin and what the latent values are."""

import json

import numpy as np
import pandas as pd
import pytest

from panelstudy import params
from panelstudy.design import INDICATORS, OBSERVED
from panelstudy.pseudotrue import is_primary, pseudo_true_values, with_pseudo_true, without_missingness
from panelstudy.recovery import simulate_panels
from panelstudy.synthetic import write_json


@pytest.fixture(scope="module")
def values(repo_root):
    import yaml

    config = yaml.safe_load((repo_root / ".test/small/config.yaml").read_text())
    design = params.pseudo_true(config)
    return pseudo_true_values(design, 300, 11, batches=3, models=design["models"], indicators=True), design


def test_the_complete_twin_has_nothing_missing_and_the_same_scores_where_observed(config):
    design = params.recovery(config)
    wide, _ = simulate_panels(design, 5)
    complete, _ = simulate_panels(without_missingness(design), 5)
    scores = [c for c in wide.columns if c[-1].isdigit()]
    assert wide[scores].isna().any().any() and not complete[scores].isna().any().any()
    # Same draws: a score observed without any missing item is the same in both.
    same = wide[scores].notna() & (wide[scores] == complete[scores])
    assert same.to_numpy().sum() > 0.8 * wide[scores].notna().to_numpy().sum()



def test_only_the_analysed_arms_enter(repo_root):
    """The second trial's waitlist has no alliance and is not analysed (model.arms): the
    panels hold the analysed arms only, so that the complete twin has nothing missing."""
    import yaml

    config = yaml.safe_load((repo_root / ".test/trial2/config.yaml").read_text())
    design = params.pseudo_true(config)
    wide, parcels = simulate_panels(without_missingness(design), 3, parcels=True)
    assert set(wide["arm"]) == set(config["model"]["arms"]) == {"GCBT", "APP"}
    assert parcels["id"].equals(wide["id"])
    assert not wide.filter(regex=r"^(wai_client|ders16|phq9)_\d+$").isna().any().any()
    assert not parcels.filter(regex=r"_p\d_\d+$").isna().any().any()

def test_rows_columns_and_latent_values(values):
    table, design = values
    B = np.array(design["synthetic"]["lagged_effects"])
    models = list(design["models"])
    assert list(table["model"].unique()) == models
    primary = table[(table["model"] == models[0]) & (table["analysis"] == OBSERVED)].set_index("parameter")
    assert primary.loc["b_D_A", "latent"] == B[2, 0] and primary.loc["b_E_A", "latent"] == B[1, 0]
    assert primary.loc["b_E_A*b_D_E", "latent"] == pytest.approx(B[1, 0] * B[2, 1])
    # The therapist-rated model: no latent value, a pseudo-true value like the others.
    other = table[table["model"] == models[1]]
    assert set(other["analysis"]) == {OBSERVED}
    assert other["latent"].isna().all() and other["pseudo_true"].notna().all()
    assert (table["n"] == 3 * 100 * 2).all() and (table["batches"] == 3).all()
    observed = table[table["analysis"] == OBSERVED]
    assert np.allclose(observed["difference"], observed["pseudo_true"] - observed["complete_data"])
    assert (observed["pseudo_true_mcse"] > 0).all() and (observed["difference_mcse"] > 0).all()
    # The multiple-indicator model: complete data only.
    mi = table[table["analysis"] == INDICATORS]
    assert set(mi["model"]) == {models[0]} and mi["pseudo_true"].isna().all() and mi["complete_data"].notna().all()


def test_the_same_seed_gives_the_same_values(values):
    table, design = values
    again = pseudo_true_values(design, 300, 11, batches=3, models={"one": design["constructs"]})
    first = table[(table["model"] == list(design["models"])[0]) & (table["analysis"] == OBSERVED)]
    assert np.array_equal(first["pseudo_true"].to_numpy(), again["pseudo_true"].to_numpy())
    other = pseudo_true_values(design, 300, 12, batches=3, models={"one": design["constructs"]})
    assert not np.array_equal(other["pseudo_true"].to_numpy(), again["pseudo_true"].to_numpy())


def test_primary_means_each_process_by_its_first_instrument(values):
    _, design = values
    first, second = design["models"].values()
    assert is_primary(first, design) and not is_primary(second, design)


def test_truth_file_carries_the_pseudo_true_values(values, tmp_path):
    table, design = values
    record = with_pseudo_true({"lagged_effects": design["synthetic"]["lagged_effects"]}, table)
    write_json(record, tmp_path / "truth.json")
    read = json.loads((tmp_path / "truth.json").read_text())
    model = list(design["models"])[1]
    entry = read["pseudo_true"]["models"][model][OBSERVED]["b_D_A"]
    expected = table[(table["model"] == model) & (table["parameter"] == "b_D_A")].iloc[0]
    assert entry["latent"] is None and entry["pseudo_true"] == pytest.approx(expected["pseudo_true"])
    assert read["pseudo_true"]["n"] == 600 and read["lagged_effects"] == design["synthetic"]["lagged_effects"]


def test_scores_attenuate_and_indicators_recover_the_latent_autoregressions(config):
    """The point of the comparison: at N = 4,000 the score model's autoregressions sit
    near two thirds of the latent 0.3, the multiple-indicator model's near 0.3."""
    design = params.pseudo_true(config)
    table = pseudo_true_values(design, 2000, 3, batches=2, indicators=True).set_index(["analysis", "parameter"])
    for name in ("b_A_A", "b_E_E", "b_D_D"):
        latent = table.loc[(OBSERVED, name), "latent"]
        assert table.loc[(OBSERVED, name), "pseudo_true"] < 0.8 * latent, name
        assert abs(table.loc[(INDICATORS, name), "complete_data"] - latent) < 0.1 * latent, name


def test_a_too_small_trial_is_refused(config):
    with pytest.raises(ValueError, match="batches"):
        pseudo_true_values(params.recovery(config), 3, 1, batches=4)
