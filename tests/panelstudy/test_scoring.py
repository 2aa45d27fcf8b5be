"""Scoring: hand-computed QIDS totals, the missing-item rule, reverse keying, panel layout."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from panelsem.io import write_csv
from panelstudy.scoring import NO_ROW, NOT_GIVEN, exclusions, read_validated, score_all, score_instrument, wide_panel

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / ".test" / "small" / "config.yaml").read_text())
COLUMNS = CONFIG["data"]["columns"]
QIDS = CONFIG["instruments"]["qids"]
SAI = CONFIG["instruments"]["sai_patient"]

# qids01..qids17. Domains (config): sleep 01-04, mood 05+17, appetite/weight 06-09,
# concentration 10, self-view 11, suicidal ideation 12, interest 13, energy 14,
# psychomotor 15-16.
QIDS_ITEMS = [1, 3, 0, 2, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 1, 0, 3]
# sleep max(1,3,0,2)=3, mood max(2,3)=3, appetite max(0,1,2,0)=2, concentration 1,
# self-view 2, suicidal 0, interest 1, energy 2, psychomotor max(1,0)=1
# total = 3+3+2+1+2+0+1+2+1 = 15
QIDS_TOTAL = 15


def one_row(inst, values, week=1):
    row = {COLUMNS["id"]: "P001", COLUMNS["arm"]: "ICBT", COLUMNS["week"]: week, COLUMNS["rater"]: "patient"}
    row.update(dict(zip(inst["items"], values)))
    return pd.DataFrame([row])


def score_one(inst, values):
    return score_instrument(one_row(inst, values), inst, COLUMNS).iloc[0]


def test_qids_total_hand_computed():
    out = score_one(QIDS, QIDS_ITEMS)
    assert out["score"] == QIDS_TOTAL
    assert out["items_present"] == 17
    assert out["reason"] == ""


def test_qids_irritability_enters_mood_domain():
    items = list(QIDS_ITEMS)
    items[16] = 0  # irritable 3 -> 0: mood = max(2, 0) = 2, total 15 - 3 + 2 = 14
    assert score_one(QIDS, items)["score"] == 14


def test_qids_domain_scored_from_available_items():
    items = list(QIDS_ITEMS)
    items[0] = items[1] = np.nan  # sleep = max(0, 2) = 2 instead of 3
    out = score_one(QIDS, items)
    assert out["score"] == 14  # 15 - 3 + 2, all 9 domains scored, no proration
    assert out["items_present"] == 15


def test_qids_prorated_at_min_domains():
    items = list(QIDS_ITEMS)
    items[9] = items[10] = np.nan  # concentration (1) and self-view (2) missing
    # 7 of 9 domains: sum = 15 - 1 - 2 = 12, prorated 12 * 9 / 7
    assert score_one(QIDS, items)["score"] == pytest.approx(108 / 7)


def test_qids_missing_below_min_domains():
    items = list(QIDS_ITEMS)
    items[9] = items[10] = items[11] = np.nan  # 6 of 9 domains
    out = score_one(QIDS, items)
    assert np.isnan(out["score"])
    assert out["reason"] == "6 of 9 domains scored; 7 required (14 of 17 items present)"


def test_mean_prorated_at_min_items():
    out = score_one(SAI, [4, 5, np.nan, 3, np.nan, 6])
    assert out["score"] == pytest.approx((4 + 5 + 3 + 6) / 4)  # 4.5
    assert out["items_present"] == 4


def test_mean_missing_below_min_items():
    out = score_one(SAI, [4, np.nan, np.nan, 3, np.nan, 5])
    assert np.isnan(out["score"])
    assert out["reason"] == "3 of 6 items present; 4 required"


def test_all_items_missing_row_is_missing_with_reason():
    out = score_one(SAI, [np.nan] * 6)
    assert np.isnan(out["score"])
    assert out["reason"] == "0 of 6 items present; 4 required"


def test_reverse_keyed_item():
    inst = copy.deepcopy(SAI)
    inst.update(reverse=["sai_p2"], item_min=1, item_max=7)
    # sai_p2 = 5 becomes 1 + 7 - 5 = 3; mean of 4, 3, 3, 3, 3, 6 = 22 / 6
    assert score_one(inst, [4, 5, 3, 3, 3, 6])["score"] == pytest.approx(22 / 6)


def test_domain_naming_unknown_item_is_an_error():
    inst = copy.deepcopy(QIDS)
    inst["domains"]["mood"] = ["qids05", "qids18"]
    with pytest.raises(ValueError, match=r"mood.*qids18"):
        score_one(inst, QIDS_ITEMS)


def test_item_outside_every_domain_is_an_error():
    inst = copy.deepcopy(QIDS)
    inst["domains"]["mood"] = ["qids05"]
    with pytest.raises(ValueError, match="qids17"):
        score_one(inst, QIDS_ITEMS)


def test_unknown_score_type_is_an_error():
    inst = copy.deepcopy(SAI)
    inst["score"] = "total"
    with pytest.raises(ValueError, match="total"):
        score_one(inst, [1] * 6)


def test_sum_score_hand_computed_and_prorated():
    inst = copy.deepcopy(SAI)
    inst.update(score="sum", reverse=["sai_p2"], item_min=0, item_max=6)
    # sai_p2 = 5 becomes 0 + 6 - 5 = 1: 4 + 1 + 3 + 3 + 3 + 6 = 20
    assert score_one(inst, [4, 5, 3, 3, 3, 6])["score"] == 20
    # 4 of 6 present: (4 + 3 + 3 + 6) * 6 / 4 = 24
    assert score_one(inst, [4, np.nan, 3, 3, np.nan, 6])["score"] == pytest.approx(24)
    out = score_one(inst, [4, np.nan, np.nan, 3, np.nan, 6])
    assert np.isnan(out["score"]) and out["reason"] == "3 of 6 items present; 4 required"


def test_instrument_not_given_in_an_arm_is_not_applicable_not_missing():
    instruments = small_config()["instruments"]
    instruments["sai_patient"]["arms"] = ["ICBT"]  # B is in IPDT
    scores = score_all(small_validated(), instruments)
    b_sai = scores[(scores["id"] == "B") & (scores["instrument"] == "sai_patient")]
    assert list(b_sai["reason"]) == [NOT_GIVEN, NOT_GIVEN] and not b_sai["applicable"].any()
    excluded = exclusions(scores)
    assert len(excluded) == 3  # A sai wk2, A and B qids wk1; B's SAI weeks are not missing data
    assert not ((excluded["id"] == "B") & (excluded["instrument"] == "sai_patient")).any()


def small_config():
    config = copy.deepcopy(CONFIG)
    config["instruments"] = {"sai_patient": copy.deepcopy(SAI), "qids": copy.deepcopy(QIDS)}
    config["instruments"]["sai_patient"]["weeks"] = [1, 2]
    config["instruments"]["qids"]["weeks"] = [0, 1]
    return config


def small_validated():
    sai = pd.concat([
        one_row(SAI, [1, 2, 3, 4, 5, 6], week=1),
        one_row(SAI, [np.nan] * 6, week=2),
    ]).assign(id=["A", "A"])
    qids = pd.concat([
        one_row(QIDS, QIDS_ITEMS, week=0).assign(id="A"),
        one_row(QIDS, QIDS_ITEMS, week=0).assign(id="B", arm="IPDT"),
    ])
    return {"sai_patient": sai.reset_index(drop=True), "qids": qids.reset_index(drop=True)}


def test_score_all_fills_grid_with_reasons():
    scores = score_all(small_validated(), small_config()["instruments"])
    # 2 participants (union of ids) x (2 SAI weeks + 2 QIDS weeks)
    assert len(scores) == 8
    b_sai = scores[(scores["id"] == "B") & (scores["instrument"] == "sai_patient")]
    assert list(b_sai["arm"]) == ["IPDT", "IPDT"]
    assert list(b_sai["reason"]) == [NO_ROW, NO_ROW]
    excluded = exclusions(scores)
    assert len(excluded) == 5  # A sai wk2 (non-response), B sai wk1-2, A and B qids wk1
    assert (excluded["reason"] != "").all()


def test_wide_panel_layout():
    wide = wide_panel(score_all(small_validated(), small_config()["instruments"]), small_config()["instruments"])
    assert list(wide.columns) == ["id", "arm", "sai_patient_1", "sai_patient_2", "qids_0", "qids_1"]
    assert list(wide["id"]) == ["A", "B"]
    assert wide.loc[0, "sai_patient_1"] == pytest.approx(3.5)  # mean of 1..6
    assert wide.loc[1, "qids_0"] == QIDS_TOTAL
    assert wide[["sai_patient_2", "qids_1"]].isna().all().all()


def test_raw_column_names_do_not_apply_to_validated_tables():
    # data.columns names the raw files' columns; validated tables use id/arm/week/rater.
    config = small_config()
    config["data"]["columns"] = {"id": "subject", "arm": "group", "week": "wk", "rater": "who"}
    assert len(score_all(small_validated(), config["instruments"])) == 8


def test_participant_in_two_arms_is_an_error():
    validated = small_validated()
    validated["qids"].loc[0, "arm"] = "IPDT"  # A is ICBT in the SAI table
    with pytest.raises(ValueError, match="'A'"):
        score_all(validated, small_config()["instruments"])


def test_week_off_schedule_is_an_error():
    config = small_config()
    config["instruments"]["sai_patient"]["weeks"] = [1]
    with pytest.raises(ValueError, match=r"\[2\]"):
        score_all(small_validated(), config["instruments"])


def test_csv_round_trip_is_byte_stable(tmp_path):
    validated = small_validated()
    validated["qids"]["id"] = ["007", "NA"]
    validated["sai_patient"]["id"] = "007"
    path = tmp_path / "qids.csv"
    write_csv(validated["qids"], path)
    back = read_validated(path)
    assert list(back["id"]) == ["007", "NA"]  # leading zeros and "NA" survive as text
    write_csv(back, tmp_path / "again.csv")
    assert path.read_bytes() == (tmp_path / "again.csv").read_bytes()
    assert b"\r\n" not in path.read_bytes()
