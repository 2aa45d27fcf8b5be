"""The data contract: every corruption kind is reported with file, row, column, value and
rule, all problems are collected, and clean files come back typed and counted."""

import copy
import re
import json
import shutil
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

from panelstudy.data_contract import (
    DataValidationError,
    contract,
    describe_contract,
    input_paths,
    instrument_schema,
    intake_table,
    summary_line,
    validate_inputs,
)

FIXTURE = Path(__file__).resolve().parents[2] / ".test" / "handwritten"


@pytest.fixture
def config(handwritten_config):
    """What the validate rule hands the contract."""
    return contract(handwritten_config)


@pytest.fixture
def raw(tmp_path, config):
    """A writable copy of the hand-written fixture; returns the paths by instrument."""
    for spec in config["instruments"].values():
        shutil.copy(FIXTURE / spec["file"], tmp_path / spec["file"])
    return input_paths(config, tmp_path)


def edit_line(path, line, old, new):
    """Replace text on one line (1-based, header is line 1) of a file."""
    lines = Path(path).read_text().split("\n")
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    Path(path).write_text("\n".join(lines))


def errors_of(paths, config) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as caught:
        validate_inputs(paths, config)
    return caught.value.errors


def only(errors, **expected) -> dict:
    """The single error matching `expected`; fails if there is none or several."""
    hits = errors
    for column, value in expected.items():
        hits = hits[hits[column].astype(str) == str(value)]
    assert len(hits) == 1, f"expected one error {expected}, found:\n{errors.to_string()}"
    return hits.iloc[0].to_dict()


# --- clean data ------------------------------------------------------------------------


def test_handwritten_fixture_validates_typed_and_sorted(raw, config):
    data = validate_inputs(raw, config)
    qids = data["qids"]
    assert list(qids.columns[:4]) == ["id", "arm", "week", "rater"]
    assert qids["week"].dtype.kind == "i"
    assert qids["qids08"].dtype == float
    assert qids.loc[(qids["id"] == "E112") & (qids["week"] == 3), "qids08"].isna().all()
    assert qids.equals(qids.sort_values(["id", "week"]).reset_index(drop=True))
    # "NA" is a missing value by config, not an error.
    sai = data["sai_patient"]
    assert sai.loc[(sai["id"] == "E108") & (sai["week"] == 2), "sai_p5"].isna().all()


def test_intake_counts_the_fixture_by_hand(raw, config):
    intake = intake_table(validate_inputs(raw, config), raw, config).set_index(["instrument", "week"])
    ersq3 = intake.loc[("ersq", "3")]
    # Week 3: of E101-E112, E107 dropped out and E110 returned an empty form (kept,
    # counted), 10 complete; E113-E130 add 18 complete forms. 30 randomised.
    assert (ersq3["rows_read"], ersq3["complete"], ersq3["partial"], ersq3["all_missing"]) == (29, 28, 0, 1)
    assert ersq3["completeness"] == round(28 / 30, 4)
    assert intake.loc[("qids", "0"), "completeness"] == 1.0
    # E101-E112: 57 rows over weeks 0-4; E113-E130: 18 x weeks 0-3.
    assert intake.loc[("qids", "all"), "rows_read"] == 57 + 18 * 4
    assert intake.loc[("sai_patient", "2"), "partial"] == 1


def test_renamed_columns_and_arms_need_no_code_change(raw, config, tmp_path):
    fork = copy.deepcopy(config)
    fork["data"]["columns"] = {"id": "pid", "arm": "group", "week": "session", "rater": "informant"}
    fork["data"]["arms"] = ["CBT", "PDT"]
    renames = {"id": "pid", "arm": "group", "week": "session", "rater": "informant"}
    for path in raw.values():
        frame = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns=renames)
        frame["group"] = frame["group"].str.replace("I", "", regex=False)
        frame.to_csv(path, index=False)
    data = validate_inputs(raw, fork)
    assert set(data["ersq"]["arm"]) == {"CBT", "PDT"}


def test_contract_description_is_json_and_fixture_rows_satisfy_it(raw, config):
    contract = json.loads(json.dumps(describe_contract(config)))
    data = validate_inputs(raw, config)
    for key, frame in data.items():
        schema = contract["instruments"][key]["row_schema"]
        jsonschema.Draft202012Validator.check_schema(schema)
        for record in frame.astype(object).where(frame.notna(), None).to_dict("records"):
            record = {k: int(v) if isinstance(v, float) else v for k, v in record.items()}
            jsonschema.validate(record, schema)


def test_schema_is_built_from_the_config(config):
    schema = instrument_schema("ersq", config)
    assert set(schema.columns) == {"id", "arm", "week", "rater", *config["instruments"]["ersq"]["items"]}


# --- one test per corruption kind --------------------------------------------------------


def test_missing_column(raw, config):
    frame = pd.read_csv(raw["ersq"], dtype=str, keep_default_na=False).drop(columns="ersq4")
    frame.to_csv(raw["ersq"], index=False)
    hit = only(errors_of(raw, config), rule="missing_column")
    assert (hit["file"], hit["column"]) == ("ersq.csv", "ersq4")


def test_unexpected_column(raw, config):
    frame = pd.read_csv(raw["ersq"], dtype=str, keep_default_na=False).assign(comment="x")
    frame.to_csv(raw["ersq"], index=False)
    hit = only(errors_of(raw, config), rule="unexpected_column")
    assert (hit["file"], hit["column"]) == ("ersq.csv", "comment")


def test_ignored_export_columns_are_dropped_others_stay_errors(raw, config):
    frame = pd.read_csv(raw["ersq"], dtype=str, keep_default_na=False).assign(completed_at="2023-01-01", note="x")
    frame.to_csv(raw["ersq"], index=False)
    config["data"]["ignore_columns"] = ["completed_at"]
    hit = only(errors_of(raw, config), rule="unexpected_column")
    assert (hit["file"], hit["column"]) == ("ersq.csv", "note")
    frame.drop(columns="note").to_csv(raw["ersq"], index=False)
    assert "completed_at" not in validate_inputs(raw, config)["ersq"].columns


def test_a_file_no_instrument_reads_is_an_error_unless_ignored(raw, config, tmp_path):
    (tmp_path / "gad7.csv").write_text("id,arm,week\n")
    (tmp_path / ".gitkeep").write_text("")
    hit = only(errors_of_dir(raw, config, tmp_path), rule="unread_file")
    assert hit["file"] == "gad7.csv" and "data.ignore_files" in hit["detail"]
    assert validate_inputs(raw, config, raw_dir=tmp_path, ignore_files=["gad7.csv"])


def errors_of_dir(paths, config, raw_dir) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as caught:
        validate_inputs(paths, config, raw_dir=raw_dir)
    return caught.value.errors


def test_rows_in_an_arm_the_instrument_is_not_given_in(raw, config):
    config["instruments"]["sai_therapist"]["arms"] = ["ICBT"]
    found = errors_of(raw, config)
    assert set(found["rule"]) == {"arm_scheduled"} and set(found["value"]) == {"IPDT"}
    assert set(found["file"]) == {"sai_therapist.csv"} and found["row"].notna().all()


def test_intake_counts_not_applicable_apart(raw, config):
    """Without its IPDT rows the therapist file is valid for an ICBT-only instrument; the
    IPDT participants are then not applicable for it, not missing."""
    frame = pd.read_csv(raw["sai_therapist"], dtype=str, keep_default_na=False)
    frame[frame["arm"] == "ICBT"].to_csv(raw["sai_therapist"], index=False)
    config["instruments"]["sai_therapist"]["arms"] = ["ICBT"]
    intake = intake_table(validate_inputs(raw, config), raw, config).set_index(["instrument", "week"])
    row = intake.loc[("sai_therapist", "1")]
    ipdt = frame.loc[frame["arm"] == "IPDT", "id"].nunique()
    assert (row["randomised"], row["not_applicable"]) == (30, ipdt) and ipdt > 0
    assert row["completeness"] == round(row["responded"] / (30 - ipdt), 4)


def test_non_numeric_item(raw, config):
    edit_line(raw["sai_patient"], 5, "E101,ICBT,4,patient,5,6", "E101,ICBT,4,patient,5,six")
    hit = only(errors_of(raw, config), rule="integer")
    assert (hit["file"], hit["row"], hit["column"], hit["value"]) == ("sai_patient.csv", 5, "sai_p2", "six")


def test_non_integer_item(raw, config):
    edit_line(raw["qids"], 3, "E102,IPDT,0,patient,3", "E102,IPDT,0,patient,2.5")
    hit = only(errors_of(raw, config), rule="integer")
    assert (hit["file"], hit["row"], hit["column"], hit["value"]) == ("qids.csv", 3, "qids01", "2.5")


def test_out_of_range_item(raw, config):
    edit_line(raw["qids"], 2, "E101,ICBT,0,patient,2", "E101,ICBT,0,patient,4")
    hit = only(errors_of(raw, config), rule="in_range")
    assert (hit["file"], hit["row"], hit["column"], hit["value"]) == ("qids.csv", 2, "qids01", "4")


def test_negative_item_is_out_of_range(raw, config):
    edit_line(raw["ersq"], 2, "E101,ICBT,1,patient,2", "E101,ICBT,1,patient,-1")
    hit = only(errors_of(raw, config), rule="in_range")
    assert (hit["row"], hit["column"], hit["value"]) == (2, "ersq1", "-1")


def test_duplicated_participant_week(raw, config):
    edit_line(raw["sai_therapist"], 3, "E101,ICBT,2,", "E101,ICBT,1,")
    found = errors_of(raw, config)
    hits = found[found["rule"] == "unique_id_week"]
    assert list(hits["row"]) == [2, 3]
    assert set(hits["file"]) == {"sai_therapist.csv"} and set(hits["value"]) == {"E101"}


def test_arm_changes_within_a_file(raw, config):
    edit_line(raw["ersq"], 4, "E101,ICBT,3", "E101,IPDT,3")
    found = errors_of(raw, config)
    hits = found[found["rule"] == "one_arm_per_participant"]
    assert list(hits["row"]) == [2, 3, 4, 5]
    assert set(hits["column"]) == {"arm"} and set(hits["file"]) == {"ersq.csv"}
    assert "one_arm_across_files" not in set(found["rule"])


def test_arm_changes_across_files(raw, config):
    for line, week in zip(range(10, 13), (1, 3, 4)):
        edit_line(raw["ersq"], line, f"E103,ICBT,{week}", f"E103,IPDT,{week}")
    found = errors_of(raw, config)
    hit = only(found, rule="one_arm_across_files", file="ersq.csv")
    assert (hit["row"], hit["column"], hit["value"]) == (10, "arm", "IPDT")
    assert "ICBT in sai_patient.csv" in hit["detail"]
    assert len(found[found["rule"] == "one_arm_across_files"]) == 4  # ersq plus the three others


def test_week_outside_schedule(raw, config):
    edit_line(raw["sai_patient"], 5, "E101,ICBT,4,", "E101,ICBT,11,")
    hit = only(errors_of(raw, config), rule="week_in_schedule")
    assert (hit["file"], hit["row"], hit["column"], hit["value"]) == ("sai_patient.csv", 5, "week", "11")


def test_baseline_week_is_only_allowed_where_scheduled(raw, config):
    edit_line(raw["ersq"], 2, "E101,ICBT,1,", "E101,ICBT,0,")
    hit = only(errors_of(raw, config), rule="week_in_schedule")
    assert (hit["file"], hit["row"], hit["value"]) == ("ersq.csv", 2, "0")


def test_empty_file(raw, config):
    Path(raw["sai_therapist"]).write_bytes(b"")
    hit = only(errors_of(raw, config), rule="empty_file")
    assert hit["file"] == "sai_therapist.csv" and pd.isna(hit["row"])


def test_header_without_rows(raw, config):
    header = Path(raw["ersq"]).read_text().split("\n")[0]
    Path(raw["ersq"]).write_text(header + "\n")
    hit = only(errors_of(raw, config), rule="no_data_rows")
    assert hit["file"] == "ersq.csv"


def test_undecodable_bytes(raw, config):
    data = Path(raw["qids"]).read_bytes().replace(b"E105,ICBT,0", b"E\xf6105,ICBT,0")
    Path(raw["qids"]).write_bytes(data)
    hit = only(errors_of(raw, config), rule="utf8")
    assert (hit["file"], hit["row"], hit["column"]) == ("qids.csv", 6, "id")
    assert "\\xf6" in hit["value"]


def test_wrong_rater(raw, config):
    edit_line(raw["sai_therapist"], 2, ",therapist,", ",patient,")
    hit = only(errors_of(raw, config), rule="rater_matches")
    assert (hit["row"], hit["column"], hit["value"]) == (2, "rater", "patient")


def test_unknown_arm(raw, config):
    edit_line(raw["qids"], 2, "E101,ICBT,0", "E101,CBT,0")
    found = errors_of(raw, config)
    hit = only(found, rule="arm_allowed")
    assert (hit["file"], hit["row"], hit["column"], hit["value"]) == ("qids.csv", 2, "arm", "CBT")


def test_missing_participant_id(raw, config):
    edit_line(raw["ersq"], 7, "E102,IPDT,2,", ",IPDT,2,")
    hit = only(errors_of(raw, config), rule="not_missing")
    assert (hit["file"], hit["row"], hit["column"]) == ("ersq.csv", 7, "id")


def test_ragged_row(raw, config):
    edit_line(raw["ersq"], 3, "E101,ICBT,2,patient,2,", "E101,ICBT,2,patient,")
    hit = only(errors_of(raw, config), rule="field_count")
    assert (hit["file"], hit["row"], hit["value"]) == ("ersq.csv", 3, "12 fields")


def test_missing_file(raw, config):
    Path(raw["ersq"]).unlink()
    hit = only(errors_of(raw, config), rule="file_exists")
    assert hit["file"] == "ersq.csv"


# --- several at once ---------------------------------------------------------------------


def test_all_problems_across_two_files_are_reported(raw, config):
    edit_line(raw["sai_patient"], 2, "E101,ICBT,1,patient,4", "E101,ICBT,1,patient,7")
    edit_line(raw["sai_patient"], 10, "E103,ICBT,1,", "E103,ICBT,12,")
    edit_line(raw["qids"], 14, "E101,ICBT,1,patient,2", "E101,ICBT,1,patient,x")
    edit_line(raw["qids"], 15, "E102,IPDT,1,", "E102,ICBT,1,")
    found = errors_of(raw, config)
    assert set(found["file"]) == {"sai_patient.csv", "qids.csv"}
    only(found, file="sai_patient.csv", row=2, column="sai_p1", value="7", rule="in_range")
    only(found, file="sai_patient.csv", row=10, column="week", value="12", rule="week_in_schedule")
    only(found, file="qids.csv", row=14, column="qids01", value="x", rule="integer")
    arm_rows = found[(found["file"] == "qids.csv") & (found["rule"] == "one_arm_per_participant")]
    assert 15 in set(arm_rows["row"])
    # The readable report names every problem.
    with pytest.raises(DataValidationError) as caught:
        validate_inputs(raw, config)
    message = str(caught.value)
    for text in ("sai_patient.csv", "qids.csv", "in_range", "week_in_schedule", "integer", "one_arm_per_participant"):
        assert text in message


# --- values as written, and the smaller cases ---------------------------------------------


def test_an_id_written_na_is_shown_as_written(raw, config):
    edit_line(raw["ersq"], 7, "E102,IPDT,2,", "NA,IPDT,2,")
    hit = only(errors_of(raw, config), rule="not_missing")
    assert (hit["row"], hit["column"], hit["value"]) == (7, "id", "NA")


def test_an_empty_column_name_is_shown_visibly(raw, config):
    path = Path(raw["ersq"])
    path.write_text("".join(line + ",\n" for line in path.read_text().splitlines()))
    hit = only(errors_of(raw, config), rule="unexpected_column")
    assert hit["column"] == "''" and "empty name" in hit["detail"]
    assert "''" in str(DataValidationError(errors_of(raw, config)))


def test_utf16_is_named_as_utf16_once(raw, config):
    path = Path(raw["qids"])
    path.write_bytes(path.read_text().encode("utf-16"))
    found = errors_of(raw, config)
    hit = only(found, file="qids.csv")
    assert hit["rule"] == "utf8" and hit["value"] == "UTF-16LE" and "UTF-16LE text, not UTF-8" in hit["detail"]


def test_non_ascii_digits_say_so(raw, config):
    edit_line(raw["qids"], 2, "E101,ICBT,0,patient,2", "E101,ICBT,0,patient,\uff12")
    hit = only(errors_of(raw, config), rule="integer")
    assert hit["value"] == "\uff12" and "other digits" in hit["detail"]


def test_an_id_with_an_invisible_character_is_shown_escaped(raw, config):
    edit_line(raw["ersq"], 3, "E101,", "E101\u200b,")
    hit = only(errors_of(raw, config), rule="id_characters")
    assert (hit["row"], hit["value"]) == (3, "'E101\\u200b'") and "zero width space" in hit["detail"]
    assert "data.normalise_ids" in hit["detail"]


def replace_ids(path, old, new):
    lines = Path(path).read_text().split("\n")
    Path(path).write_text("\n".join(new + line[len(old):] if line.startswith(old + ",") else line for line in lines))


def test_lookalike_ids_are_listed_as_a_group_and_a_map_resolves_them(raw, config):
    replace_ids(raw["ersq"], "E101", "e0101")
    found = errors_of(raw, config)
    hits = found[found["rule"] == "id_lookalike"]
    assert set(zip(hits["file"], hits["row"], hits["value"])) == {
        ("sai_patient.csv", 2, "E101"), ("sai_therapist.csv", 2, "E101"), ("ersq.csv", 2, "e0101"),
        ("qids.csv", 2, "E101")}
    assert "E101 (sai_patient.csv, sai_therapist.csv, qids.csv); e0101 (ersq.csv)" in hits["detail"].iloc[0]
    assert "'e0101': 'E101'" in hits["detail"].iloc[0]
    config["data"]["id_map"] = {"e0101": "E101"}
    data = validate_inputs(raw, config)
    assert (data["ersq"]["id"] == "E101").sum() == 4 and "e0101" not in set(data["ersq"]["id"])
    intake = intake_table(data, raw, config).set_index(["instrument", "week"])
    assert intake.loc[("ersq", "all"), "ids_changed"] == 4 and intake.loc[("ersq", "1"), "ids_changed"] == 1
    assert intake.loc[("ersq", "all"), "id_changes"] == "e0101 -> E101 (mapped (data.id_map))"
    assert intake.loc[("qids", "all"), "ids_changed"] == 0


def test_normalised_ids_are_listed_in_the_intake_table(raw, config):
    edit_line(raw["qids"], 3, "E102,", "E102 ,")
    config["data"]["normalise_ids"] = True
    data = validate_inputs(raw, config)
    assert "E102 " not in set(data["qids"]["id"])
    intake = intake_table(data, raw, config).set_index(["instrument", "week"])
    assert intake.loc[("qids", "all"), "id_changes"] == "'E102 ' -> E102 (normalised (data.normalise_ids))"
    assert intake.loc[("qids", "0"), "ids_changed"] == 1


def test_participants_found_in_one_instrument_only_are_counted(raw, config):
    with open(raw["qids"], "a") as handle:
        handle.write("E199,ICBT,0,patient" + ",1" * 17 + "\n")
    intake = intake_table(validate_inputs(raw, config), raw, config).set_index(["instrument", "week"])
    assert intake.loc[("qids", "all"), "only_in_this_instrument"] == 1
    assert intake.loc[("ersq", "all"), "only_in_this_instrument"] == 0
    assert intake.loc[("qids", "all"), "randomised"] == 31


def test_only_one_instrument_given_in_an_arm_is_not_absence(raw, config):
    """Where qids is the only instrument given in IPDT, its IPDT participants are in no
    other instrument by design, not missing from them."""
    for key in ("sai_patient", "sai_therapist", "ersq"):
        frame = pd.read_csv(raw[key], dtype=str, keep_default_na=False)
        frame[frame["arm"] == "ICBT"].to_csv(raw[key], index=False)
        config["instruments"][key]["arms"] = ["ICBT"]
    intake = intake_table(validate_inputs(raw, config), raw, config).set_index(["instrument", "week"])
    assert intake.loc[("qids", "all"), "only_in_this_instrument"] == 0
    replace_ids(raw["qids"], "E101", "E191")  # an ICBT participant now in qids only
    intake = intake_table(validate_inputs(raw, config), raw, config).set_index(["instrument", "week"])
    assert intake.loc[("qids", "all"), "only_in_this_instrument"] == 1


def test_the_summary_line_counts_rules_and_names_files(raw, config):
    edit_line(raw["qids"], 2, "E101,ICBT,0,patient,2", "E101,ICBT,0,patient,4")
    Path(raw["ersq"]).unlink()
    line = summary_line(errors_of(raw, config))
    assert line == ("validation failed: 2 problem(s) (file_exists 1, in_range 1) in ersq.csv, qids.csv; "
                    "nothing was written")


def test_the_rule_script_reports_without_a_traceback(raw, handwritten_config, tmp_path, repo_root, capsys,
                                                     monkeypatch):
    """A rejected input: the table and one summary line on the terminal and in the log
    alike, exit status 1, no traceback, and no output written."""
    import runpy
    import sys
    from types import SimpleNamespace

    from panelstudy import params

    monkeypatch.setattr(sys, "stderr", sys.stderr)  # the script tees stderr into its log
    edit_line(raw["qids"], 2, "E101,ICBT,0,patient,2", "E101,ICBT,0,patient,\uff13")
    Path(raw["ersq"]).unlink()
    (tmp_path / "logs").mkdir()
    log = tmp_path / "logs" / "validate.log"
    snake = SimpleNamespace(
        params=SimpleNamespace(contract=params.contract(handwritten_config), raw_dir=str(Path(raw["qids"]).parent),
                               ignore_files=[], checks=params.premodel(handwritten_config)),
        output={}, log=[str(log)])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(repo_root / "workflow" / "scripts" / "validate.py"), init_globals={"snakemake": snake})
    assert exited.value.code == 1
    terminal = capsys.readouterr().err
    assert terminal == log.read_text()
    assert "Traceback" not in terminal
    assert re.search(r"qids\.csv\s+2\s+qids01\s+３\s+integer", terminal) and "file_exists" in terminal
    assert terminal.splitlines()[-1] == ("validation failed: 2 problem(s) (file_exists 1, integer 1) in ersq.csv, "
                                         f"qids.csv; nothing was written. This report is also in {log}.")
