"""Check every reported number of a rebuild against a committed reference.

"Reported" means what a reader sees: each value in the manuscript's variables
files and each cell of the results tables. A reported value is text such as
"b = -0.542, 95% CI [-0.801, -0.283], p < .001"; its numbers are compared one
by one within the tolerance |rebuilt - reference| <= absolute + relative * |reference|,
and the text around them must match exactly (a verdict that flips is drift too).

Each number is named source > item [k], e.g.
``manuscript/_variables.yml > models.sai_patient.lagged.b_D_A [2]`` (the 2nd number of that value) or
``results/tables/claims.csv > Patient-rated alliance ... > Estimate``.

Displayed values are rounded, so drift far below the tolerance can still flip a
last digit; that shows up as drift, which it is as far as a reader can tell.
"""

from __future__ import annotations

import argparse
import fnmatch
import math
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import yaml

from panelsem.io import write_csv

# A decimal number, with an ASCII or Unicode minus; "1-10" reads as 1 and -10 on both sides alike.
NUMBER = re.compile(r"[-\u2212]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
PLACEHOLDER = "\u2039#\u203a"
SEPARATOR = " > "
COLUMNS = ["source", "item", "value"]
STATUS_ORDER = ["drift", "text differs", "missing", "unexpected", "pass"]


class VerificationError(RuntimeError):
    """The inputs of a verification cannot be read as reported values."""


# --- reading reported values -------------------------------------------------------


def flatten(value, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}[{i}]").items()}
    return {prefix: "" if value is None else str(value)}


def variables_values(path: Path) -> dict[str, str]:
    return flatten(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})


def row_keys(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The fewest leading columns that tell the rows apart, and each row's key."""
    for width in range(1, table.shape[1] + 1):
        keys = table.iloc[:, :width].agg(" | ".join, axis=1)
        if keys.is_unique:
            return list(table.columns[:width]), keys.tolist()
    return [], [f"row {i + 1}" for i in range(len(table))]


def table_values(path: Path) -> dict[str, str]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    key_columns, keys = row_keys(table)
    values = {}
    for key, (_, row) in zip(keys, table.iterrows()):
        for column in table.columns:
            if column not in key_columns:
                values[f"{key}{SEPARATOR}{column}"] = row[column]
    return values


def reported_values(files: list[Path | str], root: Path | str = ".") -> pd.DataFrame:
    """source, item, value for every reported value in the variables files and tables."""
    root = Path(root)
    rows = []
    for path in files:
        path = Path(path)
        source = path.relative_to(root).as_posix() if path.is_absolute() else path.as_posix()
        full = path if path.is_absolute() else root / path
        if not full.exists():
            raise VerificationError(f"{source}: missing (was the workflow built?)")
        values = variables_values(full) if full.suffix in (".yml", ".yaml") else table_values(full)
        rows.extend({"source": source, "item": item, "value": value} for item, value in values.items())
    return pd.DataFrame(rows, columns=COLUMNS)


def excluded(frame: pd.DataFrame, patterns: list[str]) -> pd.Series:
    names = frame["source"] + ":" + frame["item"]
    return names.map(lambda name: any(fnmatch.fnmatchcase(name, p) for p in patterns))


def write_values(frame: pd.DataFrame, path: Path | str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, path)


def read_values(path: Path | str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as err:
        raise VerificationError(f"no reference at {path}; `make reference` writes one") from err
    if list(frame.columns) != COLUMNS:
        raise VerificationError(f"{path}: expected columns {COLUMNS}, found {list(frame.columns)}")
    duplicated = frame[frame.duplicated(["source", "item"])]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise VerificationError(f"{path}: {first['source']}{SEPARATOR}{first['item']} is listed twice")
    return frame


# --- comparing ------------------------------------------------------------------------


def split_numbers(text: str) -> tuple[str, list[float]]:
    """The text with each number replaced by a placeholder, and the numbers."""
    numbers = [float(m.replace("\u2212", "-")) for m in NUMBER.findall(text)]
    return NUMBER.sub(PLACEHOLDER, text), numbers


def tolerance_for(name: str, tolerance: dict) -> tuple[float, float]:
    """(absolute, relative) for a number; the first matching override wins."""
    for override in tolerance.get("overrides", []):
        if fnmatch.fnmatchcase(name, override["match"]):
            return (float(override.get("absolute", tolerance["absolute"])),
                    float(override.get("relative", tolerance["relative"])))
    return float(tolerance["absolute"]), float(tolerance["relative"])


def _row(source, item, k, status, reference="", rebuilt="", diff=math.nan, allowed=math.nan) -> dict:
    name = f"{source}{SEPARATOR}{item}" + (f" [{k}]" if k else "")
    return {"number": name, "status": status, "reference": reference, "rebuilt": rebuilt,
            "abs_diff": diff, "allowed": allowed}


def compare_value(source: str, item: str, reference: str, rebuilt: str, tolerance: dict) -> list[dict]:
    ref_text, ref_numbers = split_numbers(reference)
    new_text, new_numbers = split_numbers(rebuilt)
    if ref_text != new_text or len(ref_numbers) != len(new_numbers):
        return [_row(source, item, 0, "text differs", reference, rebuilt)]
    rows = []
    several = len(ref_numbers) > 1
    for k, (a, b) in enumerate(zip(ref_numbers, new_numbers), start=1):
        name = f"{source}:{item}"
        absolute, relative = tolerance_for(name, tolerance)
        allowed = absolute + relative * abs(a)
        diff = abs(b - a)
        status = "pass" if diff <= allowed else "drift"
        rows.append(_row(source, item, k if several else 0, status, repr_number(a), repr_number(b), diff, allowed))
    if not ref_numbers:  # text only (a verdict, a label): equal text is a pass
        rows.append(_row(source, item, 0, "pass", reference, rebuilt, 0.0, 0.0))
    return rows


def repr_number(x: float) -> str:
    return f"{x:.10g}"


def compare(reference: pd.DataFrame, rebuilt: pd.DataFrame, tolerance: dict, exclude=()) -> pd.DataFrame:
    """One row per reported number: its name, status and the two values."""
    reference = reference[~excluded(reference, list(exclude))]
    rebuilt = rebuilt[~excluded(rebuilt, list(exclude))]
    merged = reference.merge(rebuilt, on=["source", "item"], how="outer", suffixes=("_ref", "_new"),
                             indicator=True, sort=False)
    rows = []
    for rec in merged.to_dict("records"):
        if rec["_merge"] == "left_only":
            rows.append(_row(rec["source"], rec["item"], 0, "missing", rec["value_ref"], ""))
        elif rec["_merge"] == "right_only":
            rows.append(_row(rec["source"], rec["item"], 0, "unexpected", "", rec["value_new"]))
        else:
            rows.extend(compare_value(rec["source"], rec["item"], rec["value_ref"], rec["value_new"], tolerance))
    return pd.DataFrame(rows, columns=["number", "status", "reference", "rebuilt", "abs_diff", "allowed"])


def line(row) -> str:
    label = "PASS" if row.status == "pass" else "FAIL"
    if row.status in ("pass", "drift") and not math.isnan(row.abs_diff) and row.allowed > 0:
        detail = f"reference {row.reference}, rebuilt {row.rebuilt} (|diff| {row.abs_diff:.3g}, allowed {row.allowed:.3g})"
    elif row.status == "missing":
        detail = f"missing from the rebuild (reference {row.reference!r})"
    elif row.status == "unexpected":
        detail = f"not in the reference (rebuilt {row.rebuilt!r})"
    else:
        detail = f"reference {row.reference!r}, rebuilt {row.rebuilt!r}"
    suffix = "" if row.status == "pass" else f" [{row.status}]"
    return f"{label} {row.number}: {detail}{suffix}"


def summary(report: pd.DataFrame) -> str:
    counts = report["status"].value_counts()
    failed = len(report) - int(counts.get("pass", 0))
    parts = ", ".join(f"{int(counts[s])} {s}" for s in STATUS_ORDER if s in counts)
    verdict = "VERIFIED" if failed == 0 else "NOT VERIFIED"
    return f"{verdict}: {len(report)} reported numbers checked; {parts}"


def report_lines(report: pd.DataFrame) -> list[str]:
    """One line per number; failures last, so they are what stays on screen."""
    failing = report["status"] != "pass"
    return [line(row) for row in pd.concat([report[~failing], report[failing]]).itertuples(index=False)]


def promote(snapshot: Path | str, reference: Path | str) -> None:
    """Make a snapshot of reported values the committed reference (`make reference`)."""
    read_values(snapshot)
    Path(reference).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(snapshot, reference)


def reference_path(configfiles: list[str]) -> str:
    """verification.reference of the merged configs, as --configfile merges them."""
    path = None
    for configfile in configfiles:
        config = yaml.safe_load(Path(configfile).read_text(encoding="utf-8")) or {}
        path = (config.get("verification") or {}).get("reference", path)
    if path is None:
        raise VerificationError(f"none of {configfiles} sets verification.reference")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Promote a snapshot of reported values to the reference.")
    parser.add_argument("snapshot", help="results/verification/reported.csv")
    parser.add_argument("configfiles", nargs="+", help="config/config.yaml, then any overlays")
    args = parser.parse_args(argv)
    target = reference_path(args.configfiles)
    promote(args.snapshot, target)
    print(f"reference written: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
