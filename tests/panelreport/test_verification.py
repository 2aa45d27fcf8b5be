"""The reviewer check: reported values against a reference, number by number."""

import io

import pandas as pd
import pytest

from panelreport.verification import (
    VerificationError,
    compare,
    line,
    read_values,
    reported_values,
    row_keys,
    split_numbers,
    summary,
    tolerance_for,
    write_values,
)

TOL = {"absolute": 1e-6, "relative": 1e-6}


def frame(*rows):
    return pd.DataFrame(rows, columns=["source", "item", "value"])


def test_split_numbers_reads_signs_decimals_and_unicode_minus():
    text, numbers = split_numbers("b = \u22120.542, 95% CI [-0.801, .5], p < .001, 1.1e-09")
    assert numbers == [-0.542, 95.0, -0.801, 0.5, 0.001, 1.1e-09]
    assert text.count("\u2039#\u203a") == 6
    assert text.startswith("b = \u2039#\u203a, \u2039#\u203a% CI [")


def test_identical_values_pass():
    ref = frame(("v.yml", "a.b", "b = 0.153, p < .001"), ("t.csv", "x > y", "supported"))
    report = compare(ref, ref.copy(), TOL)
    assert (report["status"] == "pass").all()
    assert len(report) == 3  # two numbers and one text-only value
    assert summary(report).startswith("VERIFIED: 3 reported numbers checked")


def test_an_edited_number_fails_and_is_named_with_its_position():
    ref = frame(("v.yml", "lagged.patient.D_A", "b = -0.542, 95% CI [-0.801, -0.283]"))
    new = frame(("v.yml", "lagged.patient.D_A", "b = -0.542, 95% CI [-0.802, -0.283]"))
    report = compare(ref, new, TOL)
    failed = report[report["status"] != "pass"]
    # The 95 of "95% CI" is the second number, so the lower limit is the third.
    assert failed["number"].tolist() == ["v.yml > lagged.patient.D_A [3]"]
    assert failed["status"].tolist() == ["drift"]
    text = line(next(failed.itertuples(index=False)))
    assert text.startswith("FAIL v.yml > lagged.patient.D_A [3]: reference -0.801, rebuilt -0.802")
    assert summary(report).startswith("NOT VERIFIED")


def test_tolerance_is_absolute_plus_relative():
    ref = frame(("t.csv", "r > c", "100"))
    assert compare(ref, frame(("t.csv", "r > c", "100.0002")), {"absolute": 0, "relative": 1e-6})["status"].iloc[0] == "drift"
    assert compare(ref, frame(("t.csv", "r > c", "100.0002")), {"absolute": 0, "relative": 1e-5})["status"].iloc[0] == "pass"
    assert compare(ref, frame(("t.csv", "r > c", "100.0002")), {"absolute": 3e-4, "relative": 0})["status"].iloc[0] == "pass"


def test_overrides_match_by_glob_and_the_first_wins():
    tol = {**TOL, "overrides": [{"match": "t.csv:boot*", "absolute": 0.1}, {"match": "t.csv:*", "absolute": 1.0}]}
    assert tolerance_for("t.csv:bootstrap > lower", tol) == (0.1, 1e-6)
    assert tolerance_for("t.csv:other", tol) == (1.0, 1e-6)
    assert tolerance_for("v.yml:a", tol) == (1e-6, 1e-6)


def test_changed_words_missing_and_unexpected_values_fail():
    ref = frame(("t.csv", "claim 1 > Verdict", "supported"), ("t.csv", "claim 2 > Verdict", "supported"))
    new = frame(("t.csv", "claim 1 > Verdict", "not supported"), ("t.csv", "claim 3 > Verdict", "supported"))
    report = compare(ref, new, TOL).set_index("number")["status"]
    assert report.to_dict() == {"t.csv > claim 1 > Verdict": "text differs",
                                "t.csv > claim 2 > Verdict": "missing",
                                "t.csv > claim 3 > Verdict": "unexpected"}


def test_excluded_values_are_not_compared():
    ref = frame(("v.yml", "provenance.commit", "abc123"), ("v.yml", "n", "272"))
    new = frame(("v.yml", "provenance.commit", "def456"), ("v.yml", "n", "272"))
    assert (compare(ref, new, TOL, exclude=["v.yml:provenance.*"])["status"] == "pass").all()
    assert (compare(ref, new, TOL)["status"] == "text differs").any()


def test_row_keys_use_the_fewest_leading_columns_that_are_unique():
    table = pd.DataFrame({"rater": ["p", "p", "t"], "path": ["a", "b", "a"], "b": ["1", "2", "3"]})
    columns, keys = row_keys(table)
    assert columns == ["rater", "path"]
    assert keys == ["p | a", "p | b", "t | a"]


def test_reported_values_flatten_variables_and_tables(tmp_path):
    (tmp_path / "vars.yml").write_text("sample:\n  n: 272\n  arm:\n    ICBT: 136\nfit: 'χ²(390) = 415.28'\n")
    (tmp_path / "t.csv").write_text("Measure,patient,therapist\nCFI,0.995,0.999\nN,268,268\n")
    values = reported_values(["vars.yml", "t.csv"], root=tmp_path)
    assert values.to_dict("records") == [
        {"source": "vars.yml", "item": "sample.n", "value": "272"},
        {"source": "vars.yml", "item": "sample.arm.ICBT", "value": "136"},
        {"source": "vars.yml", "item": "fit", "value": "χ²(390) = 415.28"},
        {"source": "t.csv", "item": "CFI > patient", "value": "0.995"},
        {"source": "t.csv", "item": "CFI > therapist", "value": "0.999"},
        {"source": "t.csv", "item": "N > patient", "value": "268"},
        {"source": "t.csv", "item": "N > therapist", "value": "268"},
    ]
    with pytest.raises(VerificationError, match="missing.*built"):
        reported_values(["nope.csv"], root=tmp_path)


def test_reference_round_trip_and_malformed_references(tmp_path):
    values = frame(("t.csv", "a > b", "1, 2"), ("t.csv", "a > c", ""))
    write_values(values, tmp_path / "ref.csv")
    pd.testing.assert_frame_equal(read_values(tmp_path / "ref.csv"), values)
    (tmp_path / "dup.csv").write_text("source,item,value\nt.csv,a,1\nt.csv,a,2\n")
    with pytest.raises(VerificationError, match="listed twice"):
        read_values(tmp_path / "dup.csv")
    with pytest.raises(VerificationError, match="make reference"):
        read_values(tmp_path / "absent.csv")
