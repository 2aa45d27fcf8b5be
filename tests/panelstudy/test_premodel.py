"""The checks before any model: valid data pass, and the coverage floor holds at its
boundary, one participant either side, for a score and for a pair of scores."""

import pandas as pd
import pytest

from panelstudy import params
from panelstudy.data_contract import input_paths
from panelstudy.premodel import group_problems, panel_problems, premodel_problems, validate_for_models
from panelstudy.scoring import score_all, wide_panel

FLOOR = 10


@pytest.fixture(scope="module")
def trial(base_trial):
    folder, config = base_trial
    contract = params.contract(config)
    validated = validate_for_models(input_paths(contract, folder), contract, params.premodel(config))
    checks = params.premodel(config)
    wide = wide_panel(score_all(validated, checks["instruments"]), checks["instruments"])
    variables = {f"{key}_{week}": (key, week) for key in checks["models"][0] for week in checks["waves"]}
    return config, validated, checks, wide, variables


def test_the_default_trial_passes(trial):
    config, validated, checks, wide, variables = trial
    files = {key: spec["file"] for key, spec in config["instruments"].items()}
    assert premodel_problems(validated, checks, files) == []
    assert panel_problems(wide, variables, FLOOR) == []


def observed_in(wide: pd.DataFrame, column: str, people) -> pd.DataFrame:
    out = wide.copy()
    out.loc[~out["id"].isin(people), column] = float("nan")
    return out


def test_a_score_observed_in_exactly_the_floor_passes_one_fewer_fails(trial):
    *_, wide, variables = trial
    # Participants with every score: their pairs are as observed as the score itself.
    answered = wide.loc[wide[list(variables)].notna().all(axis=1), "id"].tolist()
    at_floor = observed_in(wide, "ersq_7", answered[:FLOOR])
    assert panel_problems(at_floor, variables, FLOOR) == []
    below = observed_in(wide, "ersq_7", answered[:FLOOR - 1])
    [problem] = panel_problems(below, variables, FLOOR)
    assert (problem["rule"], problem["file"], problem["column"], problem["value"]) == ("joint_coverage", "ersq", "week",
                                                                                       "7")
    assert f"for {FLOOR - 1} participants, fewer than model.min_coverage ({FLOOR})" in problem["detail"]


def test_a_pair_observed_together_in_exactly_the_floor_passes_one_fewer_fails(trial):
    """Each score of the pair is seen in 14 participants; together in 10, then 9."""
    *_, wide, variables = trial
    both = wide.loc[wide[list(variables)].notna().all(axis=1), "id"].tolist()
    for together, found in ((FLOOR, 0), (FLOOR - 1, 1)):
        shared, rest = both[:together], both[together:]
        first, second = shared + rest[:14 - together], shared + rest[14 - together:28 - 2 * together]
        data = observed_in(observed_in(wide, "ersq_7", first), "qids_3", second)
        problems = panel_problems(data, variables, FLOOR)
        assert len(problems) == found, problems
    [problem] = problems
    assert (problem["rule"], problem["file"], problem["value"]) == ("joint_coverage", "ersq, qids", "7, 3")
    assert "ersq in week 7 and qids in week 3 are observed together in 9 participants" in problem["detail"]


def test_an_arm_below_the_floor_is_named_for_the_multigroup_model(trial):
    config, *_, wide, _ = trial
    model = {"A": "sai_patient_", "E": "ersq_", "D": "qids_"}
    ipdt = wide.loc[wide["arm"] == "IPDT", "id"]
    small = wide[(wide["arm"] == "ICBT") | wide["id"].isin(ipdt.iloc[:FLOOR - 1])]
    reasons = group_problems(small, model, config["model"]["waves"], "arm", ["ICBT", "IPDT"], FLOOR)
    assert list(reasons) == ["IPDT"]
    assert reasons["IPDT"] == f"{FLOOR - 1} participants have a score that the model uses, fewer than " \
                              f"model.min_coverage ({FLOOR})"
    assert group_problems(wide, model, config["model"]["waves"], "arm", ["ICBT", "IPDT"], FLOOR) == {}
