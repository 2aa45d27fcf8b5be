"""Corrupted copies of the default trial's input files, one per problem class.

The base is the synthetic trial of the default design at the test suite's size
(.test/small/config.yaml), as the `simulate` rule writes it. Each case edits a copy of
those files (and, for an opt-in, the config) and returns what validation must report:
the (file, line, column, rule) of every problem, as a list (order aside, exact); an
empty list for data that are valid but differ from the base; or None when the input is
odd but valid and must come out of validation exactly as the unedited files do.

Loaded by tests/conftest.py, which parametrises the `corruption` argument with CASES.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from panelstudy import params
from panelstudy.seeds import derive_seed
from panelstudy.synthetic import simulate_trial, write_trial

SMALL = Path(__file__).resolve().parents[2] / ".test" / "small" / "config.yaml"
ID, ARM, WEEK, RATER = "id", "arm", "week", "rater"
# The two models' files, as the checks before any model name them.
PATIENT_MODEL = "ersq.csv, qids.csv, sai_patient.csv"
THERAPIST_MODEL = "ersq.csv, qids.csv, sai_therapist.csv"


def write_base(folder: Path) -> dict:
    """The default trial's files into `folder`; returns the config."""
    config = yaml.safe_load(SMALL.read_text())
    tables, truth = simulate_trial(params.simulation(config), derive_seed(config["seed"], "simulate"))
    paths = {key: str(folder / spec["file"]) for key, spec in config["instruments"].items()}
    write_trial(tables, truth, paths, folder / "truth.json")
    (folder / "truth.json").unlink()
    return config


class Trial:
    """A copy of the base files, edited line by line so that line numbers stay exact.
    Line numbers are the file's (the header is line 1)."""

    def __init__(self, base: Path, folder: Path, config: dict):
        shutil.copytree(base, folder, dirs_exist_ok=True)
        self.folder, self.config = folder, config

    def file(self, key: str) -> str:
        return self.config["instruments"][key]["file"]

    def path(self, key: str) -> Path:
        return self.folder / self.file(key)

    def lines(self, key: str) -> list[str]:
        return self.path(key).read_text().split("\n")[:-1]

    def write(self, key: str, lines: list[str], end: str = "\n") -> None:
        self.path(key).write_text("".join(line + end for line in lines))

    def header(self, key: str) -> list[str]:
        return self.lines(key)[0].split(",")

    def rows(self, key: str) -> list[tuple[int, dict]]:
        header = self.header(key)
        return [(n, dict(zip(header, line.split(",")))) for n, line in enumerate(self.lines(key)[1:], start=2)]

    def line_of(self, key: str, **where) -> int:
        return next(n for n, row in self.rows(key) if all(row[c] == str(v) for c, v in where.items()))

    def cell(self, key: str, line: int, column: str) -> str:
        return dict(self.rows(key))[line][column]

    def set_cell(self, key: str, line: int, column: str, value: str) -> None:
        lines = self.lines(key)
        fields = lines[line - 1].split(",")
        fields[self.header(key).index(column)] = value
        lines[line - 1] = ",".join(fields)
        self.write(key, lines)

    def keep(self, key: str, keep: Callable[[dict], bool]) -> None:
        lines = self.lines(key)
        self.write(key, lines[:1] + [line for (n, row), line in zip(self.rows(key), lines[1:]) if keep(row)])

    def first_lines(self, key: str) -> dict[str, int]:
        """Participant -> the first line of theirs in the file."""
        first = {}
        for n, row in self.rows(key):
            first.setdefault(row[ID], n)
        return first


@dataclass(frozen=True)
class Case:
    name: str
    edit: Callable[[Trial], list[tuple] | None]

    def __str__(self) -> str:
        return self.name


CASES: list[Case] = []


def case(edit):
    CASES.append(Case(edit.__name__, edit))
    return edit


def cell_case(name: str, instrument: str, line: int, column: str, value: str, rule: str):
    """The commonest case: one cell of one file written `value`, rejected by `rule` there.
    Returns the edit, to be bound to `name` like the other cases' functions."""
    def edit(t):
        t.set_cell(instrument, line, column, value)
        return [(f"{instrument}.csv", line, column, rule)]
    edit.__name__ = name
    return case(edit)


# --- numbers ------------------------------------------------------------------------------


full_width_item = cell_case("full_width_item", "qids", 3, "qids05", "\uff13", "integer")  # ３
arabic_indic_week = cell_case("arabic_indic_week", "ersq", 4, WEEK, "\u0662", "integer")  # ٢


@case
def full_width_week_beside_the_same_week(t):
    """The week-2 row written ３ where week 3 exists: reported as integer, never as week 3."""
    person = t.cell("sai_patient", 2, ID)
    line = t.line_of("sai_patient", id=person, week=2)
    t.set_cell("sai_patient", line, WEEK, "\uff13")
    return [("sai_patient.csv", line, WEEK, "integer")]


five_thousand_digit_item = cell_case("five_thousand_digit_item", "ersq", 2, "ersq1", "1" * 5000, "integer")
five_thousand_digit_week = cell_case("five_thousand_digit_week", "qids", 5, WEEK, "0" * 4999 + "1", "integer")
decimal_item = cell_case("decimal_item", "sai_therapist", 6, "sai_t2", "2.0", "integer")


@case
def padded_week_duplicates_another(t):
    """Week 2 written 01 beside week 1: the same parsed week twice."""
    person = t.cell("ersq", 2, ID)
    first, second = t.line_of("ersq", id=person, week=1), t.line_of("ersq", id=person, week=2)
    t.set_cell("ersq", second, WEEK, "01")
    return [("ersq.csv", first, ID, "unique_id_week"), ("ersq.csv", second, ID, "unique_id_week")]


@case
def signed_and_padded_numbers_are_numbers(t):
    t.set_cell("ersq", 2, WEEK, "+" + t.cell("ersq", 2, WEEK))
    t.set_cell("ersq", 3, "ersq1", "0" + t.cell("ersq", 3, "ersq1"))
    return None


out_of_range_item = cell_case("out_of_range_item", "qids", 2, "qids01", "4", "in_range")
week_outside_schedule = cell_case("week_outside_schedule", "sai_patient", 5, WEEK, "11", "week_in_schedule")
nul_byte_in_a_cell = cell_case("nul_byte_in_a_cell", "ersq", 7, "ersq2", "2\x003", "integer")


# --- ids ----------------------------------------------------------------------------------


@case
def id_with_trailing_space(t):
    t.set_cell("sai_patient", 4, ID, t.cell("sai_patient", 4, ID) + " ")
    return [("sai_patient.csv", 4, ID, "id_characters")]


@case
def id_with_zero_width_space(t):
    person = t.cell("qids", 9, ID)
    t.set_cell("qids", 9, ID, person[:2] + "\u200b" + person[2:])
    return [("qids.csv", 9, ID, "id_characters")]


@case
def id_with_non_breaking_space(t):
    t.set_cell("ersq", 3, ID, "\u00a0" + t.cell("ersq", 3, ID))
    return [("ersq.csv", 3, ID, "id_characters")]


@case
def ids_normalised_when_the_config_asks(t):
    t.set_cell("sai_patient", 4, ID, t.cell("sai_patient", 4, ID) + " ")
    t.set_cell("qids", 9, ID, "\u200b" + t.cell("qids", 9, ID))
    t.config["data"]["normalise_ids"] = True
    return None


id_written_na = cell_case("id_written_na", "ersq", 5, ID, "NA", "not_missing")


@case
def id_nothing_but_invisible_characters(t):
    t.set_cell("ersq", 5, ID, "\u200b")
    t.config["data"]["normalise_ids"] = True
    return [("ersq.csv", 5, ID, "not_missing")]


def unpadded(person: str) -> str:
    return "P" + person[1:].lstrip("0")


def lookalikes(t: Trial, renamed: dict[str, str], where: str) -> list[tuple]:
    """Every (file, first line, id, id_lookalike) of the groups that renaming ids in one
    file makes: that file's spelling and the others' spelling of each."""
    expected = []
    for key in t.config["instruments"]:
        for person, line in t.first_lines(key).items():
            if person in renamed.values() or (key != where and person in renamed):
                expected.append((t.file(key), line, ID, "id_lookalike"))
    return expected


def rename_ids(t: Trial, key: str, rename: Callable[[str], str]) -> dict[str, str]:
    lines, renamed = t.lines(key), {}
    for n, row in t.rows(key):
        new = rename(row[ID])
        if new != row[ID]:
            renamed[row[ID]] = new
            lines[n - 1] = new + lines[n - 1][len(row[ID]):]
    t.write(key, lines)
    return renamed


@case
def ids_zero_padded_in_all_files_but_one(t):
    renamed = rename_ids(t, "sai_therapist", unpadded)
    return lookalikes(t, renamed, "sai_therapist")


@case
def id_map_resolves_the_padding(t):
    renamed = rename_ids(t, "sai_therapist", unpadded)
    t.config["data"]["id_map"] = {new: old for old, new in renamed.items()}
    return None


@case
def id_in_lower_case_in_one_file(t):
    person = t.cell("qids", 2, ID)
    renamed = rename_ids(t, "qids", lambda i: i.lower() if i == person else i)
    return lookalikes(t, renamed, "qids")


@case
def id_with_inner_space_in_one_file(t):
    person = t.cell("ersq", 2, ID)
    renamed = rename_ids(t, "ersq", lambda i: i[:1] + " " + i[1:] if i == person else i)
    return lookalikes(t, renamed, "ersq")


# --- arms and raters ------------------------------------------------------------------------


@case
def unknown_arm_reported_once(t):
    """One row's arm misspelt: arm_allowed only, not also one_arm_per_participant."""
    t.set_cell("ersq", 3, ARM, t.cell("ersq", 3, ARM) + "x")
    return [("ersq.csv", 3, ARM, "arm_allowed")]


@case
def arm_with_trailing_space(t):
    t.set_cell("qids", 6, ARM, t.cell("qids", 6, ARM) + " ")
    return [("qids.csv", 6, ARM, "arm_allowed")]


@case
def arm_changes_within_a_file(t):
    person = t.cell("ersq", 2, ID)
    arm = t.cell("ersq", 2, ARM)
    other = next(a["name"] for a in t.config["data"]["arms"] if a["name"] != arm)
    t.set_cell("ersq", 2, ARM, other)
    return [("ersq.csv", n, ARM, "one_arm_per_participant") for n, row in t.rows("ersq") if row[ID] == person]


@case
def arm_changes_in_one_file(t):
    person = t.cell("ersq", 2, ID)
    arm = t.cell("ersq", 2, ARM)
    other = next(a["name"] for a in t.config["data"]["arms"] if a["name"] != arm)
    for n, row in t.rows("ersq"):
        if row[ID] == person:
            t.set_cell("ersq", n, ARM, other)
    return [(t.file(key), t.first_lines(key)[person], ARM, "one_arm_across_files")
            for key in t.config["instruments"] if person in t.first_lines(key)]


wrong_rater = cell_case("wrong_rater", "sai_therapist", 2, RATER, "patient", "rater_matches")


@case
def duplicated_row(t):
    lines = t.lines("sai_patient")
    t.write("sai_patient", lines + [lines[1]])
    return [("sai_patient.csv", 2, ID, "unique_id_week"), ("sai_patient.csv", len(lines) + 1, ID, "unique_id_week")]


# --- files, lines and columns ------------------------------------------------------------


@case
def missing_file(t):
    t.path("ersq").unlink()
    return [("ersq.csv", None, None, "file_exists")]


@case
def empty_file(t):
    t.path("sai_therapist").write_bytes(b"")
    return [("sai_therapist.csv", None, None, "empty_file")]


@case
def header_only(t):
    t.write("ersq", t.lines("ersq")[:1])
    return [("ersq.csv", None, None, "no_data_rows")]


@case
def unread_file_in_the_folder(t):
    (t.folder / "gad7.csv").write_text("id,arm,week\n")
    return [("gad7.csv", None, None, "unread_file")]


@case
def utf16_with_byte_order_mark(t):
    t.path("qids").write_bytes(t.path("qids").read_text().encode("utf-16"))
    return [("qids.csv", None, None, "utf8")]


@case
def utf16_without_byte_order_mark(t):
    t.path("qids").write_bytes(t.path("qids").read_text().encode("utf-16-le"))
    return [("qids.csv", None, None, "utf8")]


@case
def latin1_byte_in_an_id(t):
    lines = t.path("ersq").read_bytes().split(b"\n")
    lines[3] = b"P\xf6" + lines[3][lines[3].index(b","):]
    t.path("ersq").write_bytes(b"\n".join(lines))
    return [("ersq.csv", 4, ID, "utf8")]


@case
def semicolon_separated(t):
    t.write("sai_patient", [line.replace(",", ";") for line in t.lines("sai_patient")])
    return [("sai_patient.csv", 1, None, "delimiter")]


@case
def trailing_comma_on_every_line(t):
    t.write("ersq", [line + "," for line in t.lines("ersq")])
    return [("ersq.csv", None, "''", "unexpected_column")]


@case
def header_name_with_trailing_space(t):
    lines = t.lines("qids")
    lines[0] = lines[0].replace(",week,", ",week ,")
    t.write("qids", lines)
    return [("qids.csv", None, WEEK, "missing_column"), ("qids.csv", None, "'week '", "unexpected_column")]


@case
def duplicate_column(t):
    lines = t.lines("sai_patient")
    t.write("sai_patient", [line + "," + line.split(",")[-1] for line in lines])
    return [("sai_patient.csv", 1, "sai_p6", "duplicate_column")]


@case
def missing_column(t):
    index = t.header("ersq").index("ersq4")
    t.write("ersq", [",".join(f for i, f in enumerate(line.split(",")) if i != index) for line in t.lines("ersq")])
    return [("ersq.csv", None, "ersq4", "missing_column")]


@case
def ragged_row(t):
    lines = t.lines("ersq")
    lines[2] = lines[2].rsplit(",", 1)[0]
    t.write("ersq", lines)
    return [("ersq.csv", 3, None, "field_count")]


@case
def quote_left_open(t):
    lines = t.lines("sai_patient")
    lines[-3] = lines[-3].replace(",", ',"', 1)
    t.write("sai_patient", lines)
    return [("sai_patient.csv", len(lines) - 2, None, "quoting")]


@case
def line_of_empty_fields(t):
    lines = t.lines("ersq")
    t.write("ersq", lines[:5] + ["," * (len(t.header("ersq")) - 1)] + lines[5:])
    return [("ersq.csv", 6, column, "not_missing") for column in (ID, ARM, WEEK, RATER)]


@case
def line_of_spaces_is_a_blank_line(t):
    lines = t.lines("qids")
    t.write("qids", lines[:4] + ["   ", "\t"] + lines[4:])
    return None


@case
def blank_lines(t):
    lines = t.lines("qids")
    t.write("qids", lines[:4] + [""] + lines[4:] + ["", ""])
    return None


@case
def windows_line_ends(t):
    t.write("ersq", t.lines("ersq"), end="\r\n")
    return None


@case
def byte_order_mark(t):
    t.path("sai_patient").write_bytes(b"\xef\xbb\xbf" + t.path("sai_patient").read_bytes())
    return None


@case
def quoted_fields(t):
    t.write("ersq", ['"' + line.replace(",", '","') + '"' for line in t.lines("ersq")])
    return None


@case
def columns_in_another_order(t):
    order = list(reversed(range(len(t.header("qids")))))
    t.write("qids", [",".join(line.split(",")[i] for i in order) for line in t.lines("qids")])
    return None


@case
def no_newline_at_the_end(t):
    t.path("ersq").write_text(t.path("ersq").read_text().rstrip("\n"))
    return None


# --- the checks before any model -------------------------------------------------------------


@case
def constant_item(t):
    for n, row in t.rows("ersq"):
        if row["ersq3"]:
            t.set_cell("ersq", n, "ersq3", "2")
    return [("ersq.csv", None, "ersq3", "item_variance")]


@case
def item_never_answered(t):
    for n, _ in t.rows("sai_patient"):
        t.set_cell("sai_patient", n, "sai_p4", "")
    return [("sai_patient.csv", None, "sai_p4", "item_variance")]


@case
def constant_instrument(t):
    items = t.config["instruments"]["ersq"]["items"]
    lines = t.lines("ersq")
    t.write("ersq", lines[:1] + [",".join(line.split(",")[:4] + ["2"] * len(items)) for line in lines[1:]])
    return [("ersq.csv", None, item, "item_variance") for item in items]


@case
def item_constant_in_one_week_only(t):
    """Valid: that week's reliability is not estimable (test_reliability), nothing else."""
    for n, row in t.rows("ersq"):
        if row[WEEK] == "3":
            t.set_cell("ersq", n, "ersq3", "2")
    return []


@case
def collinear_instruments(t):
    """Each answered week, every item of both instruments the same number: the scores of
    ersq and sai_patient are equal, week by week."""
    answers = {(row[ID], row[WEEK]): row["ersq1"] or "2" for _, row in t.rows("ersq")}
    for key in ("ersq", "sai_patient"):
        lines, items = t.lines(key), t.config["instruments"][key]["items"]
        for n, row in t.rows(key):
            value = answers.get((row[ID], row[WEEK]), "1")
            lines[n - 1] = ",".join(lines[n - 1].split(",")[:4] + [value] * len(items))
        t.write(key, lines)
    return [("ersq.csv, sai_patient.csv", None, WEEK, "collinear_scores")] * len(t.config["model"]["waves"])


@case
def a_week_copied_over_the_next(t):
    copied = {row[ID]: t.lines("ersq")[n - 1].split(",")[4:] for n, row in t.rows("ersq") if row[WEEK] == "3"}
    lines = t.lines("ersq")
    for n, row in t.rows("ersq"):
        if row[WEEK] == "4" and row[ID] in copied:
            lines[n - 1] = ",".join(lines[n - 1].split(",")[:4] + copied[row[ID]])
    t.write("ersq", lines)
    return [("ersq.csv", None, WEEK, "collinear_scores")]


def complete(t: Trial) -> list[str]:
    """Participants with a row in every scheduled week of every file."""
    weeks = {key: {str(w) for w in spec["weeks"]} for key, spec in t.config["instruments"].items()}
    rows = {key: {} for key in weeks}
    for key in weeks:
        for _, row in t.rows(key):
            rows[key].setdefault(row[ID], set()).add(row[WEEK])
    return sorted(p for p in rows["qids"] if all(rows[key].get(p) == weeks[key] for key in weeks))


@case
def five_participants(t):
    keep = complete(t)[:5]
    for key in t.config["instruments"]:
        t.keep(key, lambda row: row[ID] in keep)
    return [(PATIENT_MODEL, None, None, "sample_size"), (THERAPIST_MODEL, None, None, "sample_size")]


@case
def fewer_participants_than_scores(t):
    """15 participants, 30 scores each model: enough for every pair, too few for the
    covariance matrix of all of them."""
    keep = complete(t)[:15]
    for key in t.config["instruments"]:
        t.keep(key, lambda row: row[ID] in keep)
    return [(PATIENT_MODEL, None, None, "covariance_estimable"), (THERAPIST_MODEL, None, None, "covariance_estimable")]


@case
def rows_in_an_arm_the_instrument_is_not_given_in(t):
    t.config["instruments"]["sai_therapist"]["arms"] = ["ICBT"]
    return [("sai_therapist.csv", n, ARM, "arm_scheduled") for n, row in t.rows("sai_therapist") if row[ARM] == "IPDT"]


@case
def one_participant_in_a_file(t):
    person = complete(t)[0]
    t.keep("ersq", lambda row: row[ID] == person)
    return [("ersq.csv", None, WEEK, "joint_coverage")] * len(t.config["model"]["waves"])


@case
def a_week_with_no_rows_anywhere(t):
    for key in t.config["instruments"]:
        t.keep(key, lambda row: row[WEEK] != "5")
    return [(t.file(key), None, WEEK, "week_observed") for key in t.config["instruments"]]


@case
def a_week_with_no_rows_in_one_file(t):
    t.keep("qids", lambda row: row[WEEK] != "0")
    return [("qids.csv", None, WEEK, "week_observed")]


@case
def a_week_answered_by_few(t):
    """Week 7 of ersq from 9 participants: one fewer than model.min_coverage (10)."""
    few = sorted({row[ID] for _, row in t.rows("ersq") if row[WEEK] == "7"})[:9]
    t.keep("ersq", lambda row: row[WEEK] != "7" or row[ID] in few)
    return [("ersq.csv", None, WEEK, "joint_coverage")]


@case
def constant_score_in_one_week(t):
    """Every item of week 6 answered 4 by everyone: the items vary over the file, the
    week's score does not."""
    items = t.config["instruments"]["sai_patient"]["items"]
    lines = t.lines("sai_patient")
    for n, row in t.rows("sai_patient"):
        if row[WEEK] == "6":
            lines[n - 1] = ",".join(lines[n - 1].split(",")[:4] + ["4"] * len(items))
    t.write("sai_patient", lines)
    return [("sai_patient.csv", None, WEEK, "score_variance")]
