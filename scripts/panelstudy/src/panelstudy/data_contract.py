"""The input data contract: pandera schemas built from the config, strict validation of
the raw instrument files, the intake (data-quality) table and a machine-readable
description of the contract.

Error rows are located by line number in the file (the header is line 1, the first
data row is line 2), because that is what a user sees when opening the file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera import Check

from panelsem.io import write_csv

KEYS = ("id", "arm", "week", "rater")
ERROR_COLUMNS = ["file", "row", "column", "value", "rule", "detail"]
INTEGER_PATTERN = r"[+-]?\d+"


class DataValidationError(Exception):
    """Raised when any input file breaks the contract; `.errors` lists every problem."""

    def __init__(self, errors: pd.DataFrame):
        self.errors = errors
        super().__init__(format_errors(errors))


def format_errors(errors: pd.DataFrame) -> str:
    head = f"{len(errors)} problem(s) in the input files " "(row = line number in the file; the header is line 1):"
    table = errors.astype(object).where(errors.notna(), "").astype(str).to_string(index=False)
    return f"{head}\n{table}"


def error(file, rule, detail, row=None, column=None, value=None) -> dict:
    return {"file": file, "row": row, "column": column, "value": value, "rule": rule, "detail": detail}


def error_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=ERROR_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


# --- schemas ---------------------------------------------------------------------------


CONTRACT_KEYS = ("file", "rater", "weeks", "items", "item_min", "item_max", "arms")


def contract(config: dict) -> dict:
    """What the data contract checks, taken from a full config: the key columns, arm
    names, missing-value codes and ignored columns, and per instrument its file, rater,
    schedule, items, item range and arms. validate gets exactly this (as its params)."""
    data = config["data"]
    return {
        "data": {
            "columns": data["columns"],
            "arms": [arm["name"] for arm in data["arms"]],
            "missing_values": data["missing_values"],
            "ignore_columns": data.get("ignore_columns", []),
        },
        "instruments": {key: {k: inst[k] for k in CONTRACT_KEYS if k in inst}
                        for key, inst in config["instruments"].items()},
    }


def given_in(spec: dict, config: dict) -> list[str]:
    """The arms where an instrument is given (all arms unless it names them)."""
    return list(spec.get("arms", config["data"]["arms"]))


def column_names(config: dict) -> dict[str, str]:
    """Canonical key (id, arm, week, rater) -> the column name used in the files."""
    return {key: config["data"]["columns"][key] for key in KEYS}


def is_integer(cells: pd.Series) -> pd.Series:
    return cells.isna() | cells.astype("string").str.fullmatch(INTEGER_PATTERN).fillna(False).astype(bool)


def whole_numbers(cells: pd.Series) -> pd.Series:
    """Cells as numbers where they are integers, NaN elsewhere: a non-integer is
    reported by the integer check only, not twice."""
    return pd.to_numeric(cells.where(is_integer(cells)), errors="coerce")


def in_range(low, high):
    def check(cells: pd.Series) -> pd.Series:
        numbers = whole_numbers(cells)
        return numbers.isna() | numbers.between(low, high)

    return check


def in_set(allowed):
    allowed = {int(value) for value in allowed}

    def check(cells: pd.Series) -> pd.Series:
        numbers = whole_numbers(cells)
        return numbers.isna() | numbers.isin(allowed)

    return check


def one_arm_per_id(id_col, arm_col):
    def check(frame: pd.DataFrame) -> pd.Series:
        return frame.groupby(id_col, dropna=False)[arm_col].transform("nunique") <= 1

    return check


def instrument_schema(key: str, config: dict) -> pa.DataFrameSchema:
    """Schema of one raw file, read as text so that bad cells are reported as written."""
    spec = config["instruments"][key]
    names = column_names(config)
    arms, given = list(config["data"]["arms"]), given_in(spec, config)
    low, high = spec["item_min"], spec["item_max"]
    integer = Check(is_integer, name="integer", error="integer")
    columns = {
        names["id"]: pa.Column(None, nullable=False),
        names["arm"]: pa.Column(
            None,
            [Check(lambda s: s.isin(arms), name="arm_allowed", error="arm_allowed"),
             # A configured arm where the instrument is not given: reported once, as that.
             Check(lambda s: ~s.isin(arms) | s.isin(given), name="arm_scheduled", error="arm_scheduled")],
            nullable=False,
        ),
        names["week"]: pa.Column(
            None,
            [integer, Check(in_set(spec["weeks"]), name="week_in_schedule", error="week_in_schedule")],
            nullable=False,
        ),
        names["rater"]: pa.Column(
            None, Check(lambda s: s == str(spec["rater"]), name="rater_matches", error="rater_matches"), nullable=False
        ),
    }
    for item in spec["items"]:
        columns[item] = pa.Column(
            None, [integer, Check(in_range(low, high), name="in_range", error="in_range")], nullable=True
        )
    return pa.DataFrameSchema(
        columns,
        checks=[
            Check(
                one_arm_per_id(names["id"], names["arm"]),
                name="one_arm_per_participant",
                error="one_arm_per_participant",
            )
        ],
        unique=[names["id"], names["week"]],
        strict=True,
        ordered=False,
    )


def cross_file_schema() -> pa.DataFrameSchema:
    """One row per (file, participant): a participant keeps one arm across all files."""
    return pa.DataFrameSchema(
        checks=[Check(one_arm_per_id("id", "arm"), name="one_arm_across_files", error="one_arm_across_files")]
    )


# --- reading ---------------------------------------------------------------------------


def read_raw(path: str, label: str, missing_values) -> tuple[pd.DataFrame | None, list[dict]]:
    """Read a CSV as text; the frame's index is the line number of each record."""
    file = Path(path)
    if not file.is_file():
        return None, [error(label, "file_exists", f"no such file: {path}")]
    data = file.read_bytes()
    problems = encoding_errors(data, label)
    text = data.decode("utf-8-sig", errors="replace")
    if not text.strip():
        return None, problems + [error(label, "empty_file", "the file is empty (no header, no rows)")]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    problems += header_errors(header, label)
    records, lines, start = [], [], reader.line_num + 1
    for record in reader:
        line, start = start, reader.line_num + 1
        if not record:
            continue
        if len(record) != len(header):
            problems.append(
                error(label, "field_count", f"the header has {len(header)} fields", line, None, f"{len(record)} fields")
            )
            continue
        records.append(record)
        lines.append(line)
    if not records and not any(p["rule"] == "field_count" for p in problems):
        problems.append(error(label, "no_data_rows", "the file has a header but no data rows"))
    frame = pd.DataFrame(records, columns=header, index=pd.Index(lines, name="line"), dtype=object)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    return frame.mask(frame.isin(list(missing_values))), problems


def header_errors(header: list[str], label: str) -> list[dict]:
    seen, problems = set(), []
    for name in header:
        if name in seen:
            problems.append(
                error(label, "duplicate_column", "a column name appears twice in the header", 1, name, name)
            )
        seen.add(name)
    return problems


def encoding_errors(data: bytes, label: str) -> list[dict]:
    """One error per undecodable line, naming the column where the header allows it."""
    lines = data.split(b"\n")
    header = lines[0].removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace").rstrip("\r").split(",")
    problems = []
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            cells = line.rstrip(b"\r").split(b",")
            bad = next(i for i, cell in enumerate(cells) if not decodes(cell))
            column = header[bad] if number > 1 and bad < len(header) else None
            problems.append(error(label, "utf8", "bytes that are not valid UTF-8", number, column, repr(cells[bad])))
    return problems


def decodes(cell: bytes) -> bool:
    try:
        cell.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- validation ------------------------------------------------------------------------


def schema_errors(frame: pd.DataFrame, schema: pa.DataFrameSchema, label: str, names: dict) -> list[dict]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return translate(exc.failure_cases, frame, label, names)
    return []


def translate(cases: pd.DataFrame, frame: pd.DataFrame, label: str, names: dict) -> list[dict]:
    """Turn pandera's failure cases into one readable error per problem."""
    problems = []
    for case in cases.itertuples(index=False):
        check, column, value = str(case.check), case.column, case.failure_case
        row = None if pd.isna(case.index) else int(case.index)
        if check == "column_in_dataframe":
            problems.append(error(label, "missing_column", "a required column is absent", None, value, None))
        elif check == "column_in_schema":
            problems.append(error(label, "unexpected_column", "the column is not in the contract", None, value, None))
        elif check == "not_nullable":
            problems.append(error(label, "not_missing", "this column may not be empty", row, column, None))
        elif check in ("multiple_fields_uniqueness", "field_uniqueness"):
            # With id or week absent pandera checks the remaining key alone: meaningless.
            if column == names["id"] and names["week"] in frame:
                detail = f"participant {value} has more than one row in week {frame.at[row, names['week']]}"
                problems.append(error(label, "unique_id_week", detail, row, column, value))
        elif check == "one_arm_per_participant":
            if column == names["arm"]:
                person = frame.at[row, names["id"]]
                arms = ", ".join(sorted(frame.loc[frame[names["id"]] == person, names["arm"]].dropna().unique()))
                detail = f"participant {person} has arms {arms} in this file"
                problems.append(error(label, check, detail, row, column, value))
        elif check.startswith("dtype"):
            continue
        else:
            problems.append(error(label, check, RULE_DETAIL.get(check, check), row, column, value))
    return problems


RULE_DETAIL = {
    "integer": "must be a whole number",
    "in_range": "outside the instrument's item range",
    "week_in_schedule": "not a week in the instrument's schedule",
    "arm_allowed": "not one of the configured arms",
    "arm_scheduled": "the instrument is not given in this arm (instruments.<key>.arms)",
    "rater_matches": "not the instrument's configured rater",
}


def cross_file_errors(frames: dict[str, pd.DataFrame], labels: dict[str, str], names: dict) -> list[dict]:
    """A participant must keep one arm across files (within-file conflicts are reported already)."""
    parts = []
    for key, frame in frames.items():
        if frame is None or names["id"] not in frame or names["arm"] not in frame:
            continue
        rows = frame[[names["id"], names["arm"]]].dropna().set_axis(["id", "arm"], axis=1)
        rows = rows[rows.groupby("id")["arm"].transform("nunique") == 1]
        first = rows.reset_index().groupby("id", sort=True).first().reset_index()
        parts.append(first.assign(file=labels[key]))
    if not parts:
        return []
    table = pd.concat(parts, ignore_index=True)
    try:
        cross_file_schema().validate(table, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        bad = exc.failure_cases.query("column == 'arm'")["index"].astype(int)
    problems = []
    for _, hit in table.loc[bad].iterrows():
        others = table[(table["id"] == hit["id"]) & (table["arm"] != hit["arm"])]
        elsewhere = "; ".join(f"{arm} in {file}" for file, arm in zip(others["file"], others["arm"]))
        detail = f"participant {hit['id']} is {hit['arm']} here but {elsewhere}"
        problems.append(error(hit["file"], "one_arm_across_files", detail, int(hit["line"]), names["arm"], hit["arm"]))
    return problems


def unread_files(raw_dir: str, paths: dict[str, str], ignored) -> list[dict]:
    """Files in the raw folder that no instrument reads and the config does not list as
    ignored: a questionnaire the run would silently leave out. Hidden files (.gitkeep)
    are not data."""
    read = {Path(p).name for p in paths.values()} | set(ignored)
    folder = Path(raw_dir)
    if not folder.is_dir():
        return []
    return [error(file.name, "unread_file", "no instrument reads this file: add an instrument for it, or list it "
                  "under data.ignore_files")
            for file in sorted(folder.iterdir()) if file.is_file() and not file.name.startswith(".")
            and file.name not in read]


def validate_inputs(paths: dict[str, str], config: dict, raw_dir: str | None = None,
                    ignore_files=()) -> dict[str, pd.DataFrame]:
    """Validate every instrument file; return typed long data or raise with every problem.

    raw_dir: the folder the files come from, checked for files that no instrument reads."""
    names = column_names(config)
    missing_values = config["data"]["missing_values"]
    ignored_columns = list(config["data"].get("ignore_columns", []))
    labels = {key: Path(path).name for key, path in paths.items()}
    frames, problems = {}, []
    if raw_dir is not None:
        problems += unread_files(raw_dir, paths, ignore_files)
    for key, path in paths.items():
        frame, found = read_raw(path, labels[key], missing_values)
        problems += found
        if frame is not None:
            frame = frame.drop(columns=[c for c in ignored_columns if c in frame.columns])
            problems += schema_errors(frame, instrument_schema(key, config), labels[key], names)
        frames[key] = frame
    problems += cross_file_errors(frames, labels, names)
    if problems:
        order = {label: i for i, label in enumerate(labels.values())}
        problems.sort(key=lambda p: (order.get(p["file"], len(order)), p["row"] or 0))
        raise DataValidationError(error_frame(problems))
    return {key: typed(frame, key, config) for key, frame in frames.items()}


def typed(frame: pd.DataFrame, key: str, config: dict) -> pd.DataFrame:
    names = column_names(config)
    items = config["instruments"][key]["items"]
    out = pd.DataFrame(
        {
            "id": frame[names["id"]].astype(str),
            "arm": frame[names["arm"]].astype(str),
            "week": frame[names["week"]].astype(int),
            "rater": frame[names["rater"]].astype(str),
        }
    )
    for item in items:
        out[item] = pd.to_numeric(frame[item]).astype(float)
    return out.sort_values(["id", "week"], kind="stable").reset_index(drop=True)


def write_validated(frame: pd.DataFrame, path: str, config: dict, key: str) -> None:
    """Validated data as CSV: items as integers, missing items as empty cells."""
    out = frame.copy()
    for item in config["instruments"][key]["items"]:
        out[item] = out[item].astype("Int64")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_csv(out, path)


# --- intake ----------------------------------------------------------------------------


def intake_table(validated: dict[str, pd.DataFrame], paths: dict[str, str], config: dict) -> pd.DataFrame:
    """Rows read, response status and completeness per instrument and week.

    Randomised participants are all ids found in any input file; those of arms where
    an instrument is not given are `not_applicable` for it. A row is `complete` when
    every item is present, `partial` when some are, `all_missing` when none are (a kept
    non-response). Completeness is responded (complete + partial) over the randomised
    participants it applies to.
    """
    arm_of = pd.concat([frame[["id", "arm"]] for frame in validated.values()]).drop_duplicates("id")
    rows = []
    for key, frame in validated.items():
        spec = config["instruments"][key]
        applicable = int(arm_of["arm"].isin(given_in(spec, config)).sum())
        randomised, not_applicable = len(arm_of), len(arm_of) - applicable
        present = frame[spec["items"]].notna().sum(axis=1)
        status = np.select([present == len(spec["items"]), present > 0], ["complete", "partial"], default="all_missing")
        counts = frame.assign(status=status)
        base = {"instrument": key, "file": Path(paths[key]).name, "randomised": randomised,
                "not_applicable": not_applicable}
        for week in spec["weeks"]:
            rows.append(base | {"week": str(week)} | tally(counts[counts["week"] == week], applicable))
        rows.append(base | {"week": "all"} | tally(counts, applicable * len(spec["weeks"])))
    return pd.DataFrame(rows)


def tally(frame: pd.DataFrame, denominator: int) -> dict:
    status = frame["status"].value_counts()
    complete, partial = int(status.get("complete", 0)), int(status.get("partial", 0))
    responded = complete + partial
    return {
        "rows_read": len(frame),
        "participants": frame["id"].nunique(),
        "complete": complete,
        "partial": partial,
        "all_missing": int(status.get("all_missing", 0)),
        "responded": responded,
        "completeness": round(responded / denominator, 4) if denominator else float("nan"),
    }


# --- machine-readable contract ---------------------------------------------------------


def row_json_schema(key: str, config: dict) -> dict:
    """JSON Schema of one data row, with cells typed as they are after parsing."""
    spec = config["instruments"][key]
    names = column_names(config)
    item = {"type": ["integer", "null"], "minimum": spec["item_min"], "maximum": spec["item_max"]}
    properties = {
        names["id"]: {"type": "string", "minLength": 1},
        names["arm"]: {"enum": given_in(spec, config)},
        names["week"]: {"type": "integer", "enum": [int(w) for w in spec["weeks"]]},
        names["rater"]: {"const": spec["rater"]},
    } | {name: item for name in spec["items"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{key}: one row of {spec['file']}",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def describe_contract(config: dict) -> dict:
    names = column_names(config)
    return {
        "format": {
            "encoding": "UTF-8 (a byte-order mark is accepted)",
            "delimiter": ",",
            "header": True,
            "missing_values": list(config["data"]["missing_values"]),
            "row_numbers_in_errors": "line number in the file; the header is line 1",
        },
        "table_rules": [
            f"columns are exactly {names['id']}, {names['arm']}, {names['week']}, {names['rater']} and the items",
            f"at most one row per ({names['id']}, {names['week']})",
            "a participant keeps one arm within a file and across all files",
            "an instrument has rows only for the arms where it is given",
            "the raw folder holds no file that no instrument reads (unless data.ignore_files lists it)",
            "columns listed in data.ignore_columns are dropped before these checks",
            "a file has a header and at least one data row",
            "a row whose items are all missing is kept and counted as a non-response",
        ],
        "instruments": {
            key: {
                "file": spec["file"],
                "rater": spec["rater"],
                "weeks": [int(w) for w in spec["weeks"]],
                "items": list(spec["items"]),
                "item_range": [spec["item_min"], spec["item_max"]],
                "arms": given_in(spec, config),
                "row_schema": row_json_schema(key, config),
            }
            for key, spec in config["instruments"].items()
        },
    }


def input_paths(config: dict, raw_dir: str) -> dict[str, str]:
    return {key: str(Path(raw_dir) / spec["file"]) for key, spec in config["instruments"].items()}
