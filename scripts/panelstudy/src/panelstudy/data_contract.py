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
from panelstudy.ids import describe_hidden, hidden_characters, lookalike_key, normalise, visible

KEYS = ("id", "arm", "week", "rater")
ERROR_COLUMNS = ["file", "row", "column", "value", "rule", "detail"]
# ASCII digits only: \d also matches full-width and other scripts' digits, which the
# conversion to numbers reads differently or not at all. 15 digits are far more than
# any item or week needs, and still exact as floats.
MAX_DIGITS = 15
INTEGER_PATTERN = rf"[+-]?[0-9]{{1,{MAX_DIGITS}}}"


class DataValidationError(Exception):
    """Raised when any input file breaks the contract; `.errors` lists every problem."""

    def __init__(self, errors: pd.DataFrame):
        self.errors = errors
        super().__init__(format_errors(errors))


def format_errors(errors: pd.DataFrame) -> str:
    head = f"{len(errors)} problem(s) in the input files " "(row = line number in the file; the header is line 1):"
    table = errors.astype(object).where(errors.notna(), "").astype(str).to_string(index=False)
    return f"{head}\n{table}"


def summary_line(errors: pd.DataFrame) -> str:
    """One line for the end of the report: how many problems, of which rules, in which files."""
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(errors["rule"].value_counts().items()))
    # A problem of two files (a pair of scores) names both, joined by a comma.
    files = ", ".join(dict.fromkeys(f for label in errors["file"].dropna() for f in label.split(", ")))
    return f"validation failed: {len(errors)} problem(s) ({rules}) in {files}; nothing was written"


def error(file, rule, detail, row=None, column=None, value=None) -> dict:
    """One problem; a column name or value that would print as nothing is shown quoted."""
    return {"file": file, "row": row, "column": visible(column), "value": visible(value), "rule": rule,
            "detail": detail}


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
            "normalise_ids": data.get("normalise_ids", False),
            "id_map": data.get("id_map", {}),
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
    reported by the integer check only, not twice. Every later stage reads these values."""
    return pd.to_numeric(cells.where(is_integer(cells)), errors="coerce")


def integer_detail(value: str) -> str:
    digits = value.lstrip("+-")
    if digits.isdigit() and not digits.isascii():
        return "must be a whole number in the digits 0-9; this one has other digits (full-width or another script's)"
    if digits.isascii() and digits.isdigit():
        return f"must be a whole number of at most {MAX_DIGITS} digits"
    return "must be a whole number, written with the digits 0-9"


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
    # Rows per participant and week, and arms per participant, are checked on the parsed
    # values that later stages use (key_errors), not on the text.
    return pa.DataFrameSchema(columns, strict=True, ordered=False)


# --- reading ---------------------------------------------------------------------------

# Byte-order marks of the wide Unicode encodings, longest first (UTF-32LE starts like UTF-16LE).
WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32LE"), (b"\x00\x00\xfe\xff", "UTF-32BE"),
             (b"\xff\xfe", "UTF-16LE"), (b"\xfe\xff", "UTF-16BE"))


def read_raw(path: str, label: str) -> tuple[pd.DataFrame | None, list[dict]]:
    """Read a CSV as text, as written (missing-value codes included); the frame's index is
    the line number of each record."""
    file = Path(path)
    if not file.is_file():
        return None, [error(label, "file_exists", f"no such file: {path}")]
    data = file.read_bytes()
    wide = wide_encoding(data)
    if wide:
        # Read as UTF-8 every other byte is NUL: one clear error instead of one per cell.
        return None, [error(label, "utf8", f"the file is {wide} text, not UTF-8: save it as UTF-8 (in Excel: "
                                         "'CSV UTF-8')", value=wide)]
    problems = encoding_errors(data, label)
    text = data.decode("utf-8-sig", errors="replace")
    if not text.strip():
        return None, problems + [error(label, "empty_file", "the file is empty (no header, no rows)")]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    separator = other_separator(header)
    if separator:
        return None, problems + [error(label, "delimiter", f"the header is separated by {separator}, not commas: "
                                       "export the file as comma-separated values", 1, None, header[0])]
    problems += header_errors(header, label)
    records, lines, start = [], [], reader.line_num + 1
    for record in reader:
        line, start = start, reader.line_num + 1
        # A line of nothing but spaces is as blank as an empty one.
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if line != reader.line_num:
            # Only a quote left open makes a record span lines; no cell of the contract holds a line break.
            problems.append(error(label, "quoting", f"a quote opened on line {line} is not closed before line "
                                  f"{reader.line_num}: lines {line}-{reader.line_num} were read as one row", line,
                                  None, next(f for f in record if "\n" in f or "\r" in f)[:40]))
            continue
        if len(record) != len(header):
            problems.append(
                error(label, "field_count", f"the header has {len(header)} fields", line, None, f"{len(record)} fields")
            )
            continue
        records.append(record)
        lines.append(line)
    if not records and not any(p["rule"] in ("field_count", "quoting") for p in problems):
        problems.append(error(label, "no_data_rows", "the file has a header but no data rows"))
    frame = pd.DataFrame(records, columns=header, index=pd.Index(lines, name="line"), dtype=object)
    return frame.loc[:, ~frame.columns.duplicated()], problems


def wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32, by its byte-order mark or, without one, by the NUL bytes that
    ASCII text has in these encodings."""
    for bom, name in WIDE_BOMS:
        if data.startswith(bom):
            return name
    head = data[:4000]
    if head.count(0) > len(head) // 4:
        return "UTF-16BE" if head[0::2].count(0) > head[1::2].count(0) else "UTF-16LE"
    return None


def other_separator(header: list[str]) -> str | None:
    """'semicolons' or 'tabs' when the whole header is one field holding them."""
    if len(header) == 1:
        for char, name in ((";", "semicolons"), ("\t", "tabs")):
            if char in header[0]:
                return name
    return None


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


def schema_errors(cells: pd.DataFrame, written: pd.DataFrame, schema: pa.DataFrameSchema, label: str) -> list[dict]:
    try:
        schema.validate(cells, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return translate(exc.failure_cases, written, label)
    return []


def translate(cases: pd.DataFrame, written: pd.DataFrame, label: str) -> list[dict]:
    """Turn pandera's failure cases into one readable error per problem; values as written."""
    problems = []
    for case in cases.itertuples(index=False):
        check, column, value = str(case.check), case.column, case.failure_case
        row = None if pd.isna(case.index) else int(case.index)
        if check == "column_in_dataframe":
            problems.append(error(label, "missing_column", missing_column_detail(value, written.columns), None, value))
        elif check == "column_in_schema":
            detail = ("a column with an empty name (a comma at the end of the header?)" if value == ""
                      else "the column is not in the contract")
            problems.append(error(label, "unexpected_column", detail, None, value, None))
        elif check == "not_nullable":
            # A missing-value code (NA) is shown as written, so that it is not taken for an empty cell.
            detail = "this column may not be empty or a missing-value code (data.missing_values)"
            problems.append(error(label, "not_missing", detail, row, column, written.at[row, column] or None))
        elif check.startswith("dtype"):
            continue
        else:
            detail = integer_detail(value) if check == "integer" else RULE_DETAIL.get(check, check)
            problems.append(error(label, check, detail, row, column, value))
    return problems


def missing_column_detail(name: str, header) -> str:
    near = [h for h in header if h != name and normalise(h).casefold() == name.casefold()]
    if near:
        return f"a required column is absent (the header has {visible(near[0])}: spell it {name})"
    return "a required column is absent"


RULE_DETAIL = {
    "in_range": "outside the instrument's item range",
    "week_in_schedule": "not a week in the instrument's schedule",
    "arm_allowed": "not one of the configured arms",
    "arm_scheduled": "the instrument is not given in this arm (instruments.<key>.arms)",
    "rater_matches": "not the instrument's configured rater",
}


def participant_ids(cells: pd.Series, label: str, column: str, data: dict) -> tuple[pd.Series, list[dict], pd.Series]:
    """Each row's participant id as later stages use it: as written, normalised when
    data.normalise_ids is on, then mapped by data.id_map. NaN where the id is missing,
    or holds characters that do not show (an error unless normalised).

    Returns the ids, the problems, and how each changed id was changed (by line)."""
    problems, how, ids = [], {}, pd.Series(np.nan, index=cells.index, dtype=object)
    id_map = {str(k): str(v) for k, v in data["id_map"].items()}
    for line, written in cells.dropna().items():
        participant, steps = written, []
        if hidden_characters(written):
            if not data["normalise_ids"]:
                problems.append(error(label, "id_characters", f"the id {describe_hidden(written)}, which does not "
                                      "show: correct it in the export, or set data.normalise_ids: true", line,
                                      column, written))
                continue
            participant, steps = normalise(written), ["normalised (data.normalise_ids)"]
            if not participant:
                problems.append(error(label, "not_missing", "this column may not be empty (the id is nothing but "
                                      "characters that do not show)", line, column, written))
                continue
        if participant in id_map:
            participant = id_map[participant]
            steps.append("mapped (data.id_map)")
        ids[line] = participant
        if steps:
            how[line] = ", ".join(steps)
    return ids, problems, pd.Series(how, dtype=object)


def parsed_keys(cells: pd.DataFrame, ids: pd.Series, spec: dict, data: dict) -> pd.DataFrame:
    """id, arm and week of each row as later stages read them; NaN where the cell fails
    its own check (reported there), so that no value is reported twice."""
    names = data["columns"]
    out = pd.DataFrame({"id": ids}, index=cells.index)
    given = given_in(spec, {"data": data})
    arm = cells[names["arm"]] if names["arm"] in cells else pd.Series(np.nan, index=cells.index)
    out["arm"] = arm.where(arm.isin(given))
    week = whole_numbers(cells[names["week"]]) if names["week"] in cells else pd.Series(np.nan, index=cells.index)
    out["week"] = week.where(week.isin([int(w) for w in spec["weeks"]]))
    return out


def key_errors(keys: pd.DataFrame, written: pd.DataFrame, label: str, names: dict) -> list[dict]:
    """At most one row per participant and week; one arm per participant in the file."""
    problems = []
    timed = keys.dropna(subset=["id", "week"])
    for line, row in timed[timed.duplicated(["id", "week"], keep=False)].iterrows():
        problems.append(error(label, "unique_id_week", f"participant {row['id']} has more than one row in week "
                              f"{int(row['week'])}", line, names["id"], written.at[line, names["id"]]))
    armed = keys.dropna(subset=["id", "arm"])
    for line, row in armed[armed.groupby("id")["arm"].transform("nunique") > 1].iterrows():
        arms = ", ".join(sorted(set(armed.loc[armed["id"] == row["id"], "arm"])))
        problems.append(error(label, "one_arm_per_participant", f"participant {row['id']} has arms {arms} in "
                              "this file", line, names["arm"], row["arm"]))
    return problems


def cross_file_errors(keys: dict[str, pd.DataFrame], labels: dict[str, str], names: dict) -> list[dict]:
    """A participant must keep one arm across files (within-file conflicts are reported already)."""
    parts = []
    for key, frame in keys.items():
        rows = frame[["id", "arm"]].dropna()
        rows = rows[rows.groupby("id")["arm"].transform("nunique") == 1]
        parts.append(rows.reset_index().groupby("id", sort=True).first().reset_index().assign(file=labels[key]))
    if not parts:
        return []
    table = pd.concat(parts, ignore_index=True)
    conflicting = table[table.groupby("id")["arm"].transform("nunique") > 1]
    problems = []
    for _, hit in conflicting.iterrows():
        others = conflicting[(conflicting["id"] == hit["id"]) & (conflicting["arm"] != hit["arm"])]
        elsewhere = "; ".join(f"{arm} in {file}" for file, arm in zip(others["file"], others["arm"]))
        detail = f"participant {hit['id']} is {hit['arm']} here but {elsewhere}"
        problems.append(error(hit["file"], "one_arm_across_files", detail, int(hit["line"]), names["arm"], hit["arm"]))
    return problems


def lookalike_errors(keys: dict[str, pd.DataFrame], written: dict[str, pd.DataFrame], labels: dict[str, str],
                     names: dict) -> list[dict]:
    """Ids that differ only by whitespace, case or leading zeros (7 and 007): one error
    per spelling and file, at its first line, each listing the whole group."""
    parts = [frame["id"].dropna().reset_index().drop_duplicates("id").assign(file=labels[key])
             for key, frame in keys.items()]
    if not parts:
        return []
    table = pd.concat(parts, ignore_index=True)
    table["key"] = table["id"].map(lookalike_key)
    table = table[table.groupby("key")["id"].transform("nunique") > 1]
    problems = []
    for _, group in table.groupby("key", sort=True):
        spellings = group.groupby("id", sort=False)["file"].agg(", ".join)
        listing = "; ".join(f"{visible(i)} ({files})" for i, files in spellings.items())
        common = group["id"].value_counts().index[0]
        rare = next(i for i in spellings.index if i != common)
        detail = (f"ids that differ only by whitespace, case or leading zeros: {listing}. If they are one "
                  f"participant, map the export ids to one id in data.id_map (e.g. '{rare}': '{common}'); "
                  "if not, give them ids that differ otherwise")
        for _, hit in group.iterrows():
            key = next(k for k, label in labels.items() if label == hit["file"])
            problems.append(error(hit["file"], "id_lookalike", detail, int(hit["line"]), names["id"],
                                  written[key].at[hit["line"], names["id"]]))
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


class Validated(dict):
    """Instrument -> typed long table; `.id_changes` lists every id that normalisation
    or the id map changed (file, line, week, written, id, how), for the intake table."""

    def __init__(self, tables: dict[str, pd.DataFrame], id_changes: pd.DataFrame):
        super().__init__(tables)
        self.id_changes = id_changes


ID_CHANGE_COLUMNS = ["file", "line", "week", "written", "id", "how"]


def validate_inputs(paths: dict[str, str], config: dict, raw_dir: str | None = None,
                    ignore_files=()) -> Validated:
    """Validate every instrument file; return typed long data or raise with every problem.

    raw_dir: the folder the files come from, checked for files that no instrument reads."""
    names = column_names(config)
    data = config["data"]
    ignored_columns = list(data.get("ignore_columns", []))
    labels = {key: Path(path).name for key, path in paths.items()}
    written, keys, cleaned, problems, changes = {}, {}, {}, [], []
    if raw_dir is not None:
        problems += unread_files(raw_dir, paths, ignore_files)
    for key, path in paths.items():
        frame, found = read_raw(path, labels[key])
        problems += found
        if frame is None:
            continue
        frame = frame.drop(columns=[c for c in ignored_columns if c in frame.columns])
        cells = frame.mask(frame.isin(list(data["missing_values"])))
        problems += schema_errors(cells, frame, instrument_schema(key, config), labels[key])
        if names["id"] in cells:
            ids, found, how = participant_ids(cells[names["id"]], labels[key], names["id"], data)
            problems += found
            keys[key] = parsed_keys(cells, ids, config["instruments"][key], data)
            lines = how.index
            changes.append(pd.DataFrame({"file": labels[key], "line": lines, "week": keys[key].loc[lines, "week"],
                                         "written": frame.loc[lines, names["id"]], "id": ids[lines], "how": how},
                                        columns=ID_CHANGE_COLUMNS))
            problems += key_errors(keys[key], frame, labels[key], names)
            cells = cells.assign(**{names["id"]: ids})
        written[key], cleaned[key] = frame, cells
    problems += cross_file_errors(keys, labels, names)
    problems += lookalike_errors(keys, written, labels, names)
    if problems:
        raise DataValidationError(sorted_errors(problems, labels))
    tables = {key: typed(frame, key, config) for key, frame in cleaned.items()}
    return Validated(tables, pd.concat(changes, ignore_index=True) if changes else
                     pd.DataFrame(columns=ID_CHANGE_COLUMNS))


def sorted_errors(problems: list[dict], labels: dict[str, str]) -> pd.DataFrame:
    """Problems in the order of the instruments' files, then by line."""
    order = {label: i for i, label in enumerate(labels.values())}
    return error_frame(sorted(problems, key=lambda p: (order.get(p["file"], len(order)), p["row"] or 0)))


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
    participants it applies to. `only_in_this_instrument` counts the participants found
    in no other instrument given in their arm; `ids_changed` the rows whose id
    data.normalise_ids or data.id_map changed, listed in `id_changes` on the `all` line.
    """
    arm_of = pd.concat([frame[["id", "arm"]] for frame in validated.values()]).drop_duplicates("id")
    changes = getattr(validated, "id_changes", pd.DataFrame(columns=ID_CHANGE_COLUMNS))
    rows = []
    for key, frame in validated.items():
        spec = config["instruments"][key]
        applicable = int(arm_of["arm"].isin(given_in(spec, config)).sum())
        randomised, not_applicable = len(arm_of), len(arm_of) - applicable
        present = frame[spec["items"]].notna().sum(axis=1)
        status = np.select([present == len(spec["items"]), present > 0], ["complete", "partial"], default="all_missing")
        counts = frame.assign(status=status)
        file = Path(paths[key]).name
        mine = changes[changes["file"] == file]
        base = {"instrument": key, "file": file, "randomised": randomised, "not_applicable": not_applicable,
                "only_in_this_instrument": only_in(key, validated, config)}
        for week in spec["weeks"]:
            rows.append(base | {"week": str(week)} | tally(counts[counts["week"] == week], applicable)
                        | {"ids_changed": int((mine["week"] == week).sum()), "id_changes": ""})
        rows.append(base | {"week": "all"} | tally(counts, applicable * len(spec["weeks"]))
                    | {"ids_changed": len(mine), "id_changes": id_change_list(mine)})
    return pd.DataFrame(rows)


def only_in(key: str, validated: dict[str, pd.DataFrame], config: dict) -> int:
    """Participants of this instrument found in no other one given in their arm (an id
    typed differently there, or a participant who answered only this questionnaire).
    Where no other instrument is given in a participant's arm, they are not counted."""
    ids = {k: set(frame["id"]) for k, frame in validated.items()}
    arms = validated[key].drop_duplicates("id").set_index("id")["arm"]
    count = 0
    for person, arm in arms.items():
        others = [k for k, spec in config["instruments"].items() if k != key and arm in given_in(spec, config)]
        count += bool(others) and not any(person in ids[k] for k in others)
    return count


def id_change_list(changes: pd.DataFrame) -> str:
    """Each distinct change once: written -> id (how)."""
    distinct = changes.drop_duplicates(["written", "id", "how"]).sort_values(["id", "written"], kind="stable")
    return "; ".join(f"{visible(w)} -> {i} ({how})" for w, i, how in zip(distinct["written"], distinct["id"],
                                                                          distinct["how"]))


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
            f"at most one row per ({names['id']}, {names['week']}), as parsed (03 and 3 are one week)",
            f"whole numbers are written in the digits 0-9 (at most {MAX_DIGITS}), optionally signed",
            "an id has no whitespace at either end and no character that does not show"
            + (" (normalised: data.normalise_ids)" if config["data"].get("normalise_ids") else ""),
            "no two ids differ only by whitespace, case or leading zeros (data.id_map maps export ids to ids)",
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
