"""Checks before any model: data that meet the contract can still be unusable for the
analysis the config asks for (a constant item, a week nobody answered, two scores that
are copies of each other, too few participants observed together). Each would crash a
later rule with a numerical error that names no input; here each is named, with its
instrument, item, week or arm, and with what to do.

The checks run in the validate rule on the validated data, scored as the score rule
scores them, so that a rejected input leaves nothing behind. Problems are rows of the
data contract's error table; whole-column problems have no line.

- item_variance: an item with fewer than two distinct answers in its whole file;
- week_observed: a scheduled week without any row;
- sample_size: fewer participants with a modelled score than model.min_coverage;
- joint_coverage: a modelled score, or a pair of them, observed (together) in fewer
  participants than model.min_coverage (a covariance-coverage rule, as lavaan's
  coverage matrix);
- score_variance: a modelled score with the same value for everyone in a week;
- collinear_scores: two modelled scores perfectly correlated;
- covariance_estimable: the covariance matrix of the modelled scores has no
  estimate (too few participants for the number of scores, with their missing weeks).

The multigroup model asks the same of each arm it compares (group_problems); an arm
that fails makes that model "not estimable", and the rest of the analysis stands.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd

from panelsem.fiml import patterns_from_array, saturated_em
from panelsem.io import write_csv
from panelstudy.data_contract import DataValidationError, Validated, error, sorted_errors, validate_inputs
from panelstudy.scoring import score_all, wide_panel

# |r| this close to 1 is a copy or a linear function of another score, not data.
COLLINEAR = 1 - 1e-9
FLOOR = "model.min_coverage"


def validate_for_models(paths: dict[str, str], contract: dict, checks: dict, raw_dir: str | None = None,
                        ignore_files=()) -> Validated:
    """The data contract, then the checks before any model: the typed data, or
    DataValidationError with every problem of the first stage that has any."""
    validated = validate_inputs(paths, contract, raw_dir, ignore_files)
    files = {key: spec["file"] for key, spec in contract["instruments"].items()}
    problems = premodel_problems(validated, checks, files, contract["data"]["columns"]["week"])
    if problems:
        raise DataValidationError(sorted_errors(problems, files))
    return validated


def premodel_problems(validated: dict[str, pd.DataFrame], checks: dict, files: dict[str, str],
                      week_column: str = "week") -> list[dict]:
    """Every problem of the validated data for the models (checks: panelstudy.params.premodel);
    files: instrument -> file name."""
    instruments = checks["instruments"]
    problems = item_problems(validated, instruments, files)
    flagged = {(p["file"], p["column"]) for p in problems}
    # An instrument none of whose items varies has constant scores too: said once, of the items.
    constant = {key for key, inst in instruments.items()
                if all((files[key], item) in flagged for item in inst["items"])}
    empty = week_problems(validated, instruments, files, week_column)
    problems += empty
    without_rows = {(key, int(p["value"])) for p in empty for key in instruments if files[key] == p["file"]}
    wide = as_read(wide_panel(score_all(validated, instruments), instruments))
    wide = wide[wide["arm"].isin(checks["arms"])]
    for keys in checks["models"]:
        variables = model_variables(keys, checks["waves"])
        for problem in panel_problems(wide, variables, checks["min_coverage"], files, week_column,
                                      skip=without_rows, constant=constant):
            if problem not in problems:
                problems.append(problem)
    return problems


def model_variables(instruments, waves) -> dict[str, tuple[str, int]]:
    """Wide-panel column -> (instrument, week) of a model's scores."""
    return {f"{key}_{week}": (key, week) for key in instruments for week in waves}


def as_read(wide: pd.DataFrame) -> pd.DataFrame:
    """The wide panel as the model rules read it, written as the score rule writes it:
    the scores rounded as the fits see them."""
    buffer = io.StringIO()
    write_csv(wide, buffer)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype={"id": str, "arm": str})


def item_problems(validated, instruments: dict, files: dict[str, str]) -> list[dict]:
    problems = []
    for key, inst in instruments.items():
        for item in inst["items"]:
            answers = validated[key][item].dropna()
            values = sorted(answers.unique())
            if len(values) >= 2:
                continue
            if values:
                detail = (f"every answer to {item} ({len(answers)} rows) is {values[0]:g}: an item that never varies "
                          "cannot be scored for reliability. Check the export; if it is right, remove the item "
                          f"from instruments.{key}.items")
                value = f"{values[0]:g}"
            else:
                detail = (f"{item} is empty in every row: check the export; if the item was not asked, remove it "
                          f"from instruments.{key}.items")
                value = None
            problems.append(error(files[key], "item_variance", detail, None, item, value))
    return problems


def week_problems(validated, instruments: dict, files: dict[str, str], week_column: str) -> list[dict]:
    problems = []
    for key, inst in instruments.items():
        present = set(validated[key]["week"])
        for week in inst["weeks"]:
            if week not in present:
                detail = (f"no row has week {week}, a week of instruments.{key}.weeks: check the export, or remove "
                          "the week from the schedule (and from model.waves)")
                problems.append(error(files[key], "week_observed", detail, None, week_column, str(week)))
    return problems


def panel_problems(wide: pd.DataFrame, variables: dict[str, tuple[str, int]], min_coverage: int,
                   files: dict[str, str] | None = None, week_column: str = "week", skip=(), constant=()) -> list[dict]:
    """What keeps a model of these wide-panel columns (column -> (instrument, week)) from
    being estimated on these participants. skip: (instrument, week) reported already."""
    files = files or {}

    def where(*keys):
        return ", ".join(sorted({files.get(key, key) for key in keys}))

    data = wide[list(variables)].astype(float)
    data = data.loc[data.notna().any(axis=1).to_numpy()]
    everyone = where(*(key for key, _ in variables.values()))
    if len(data) < min_coverage:
        return [error(everyone, "sample_size", f"{people(len(data))} have a score that the model uses, fewer "
                      f"than {FLOOR} ({min_coverage}): too few to estimate the model", None, None, str(len(data)))]
    observed = data.notna().to_numpy(int)
    coverage = pd.DataFrame(observed.T @ observed, index=data.columns, columns=data.columns)
    problems, unusable = [], set()
    for column, (key, week) in variables.items():
        count = int(coverage.at[column, column])
        if (key, week) in skip:
            unusable.add(column)
        elif count < min_coverage:
            unusable.add(column)
            problems.append(error(where(key), "joint_coverage", f"{key} has a score in week {week} for "
                                  f"{people(count)}, fewer than {FLOOR} ({min_coverage}): too few to estimate its "
                                  "variance. Check the export for missing rows, or leave the week out of model.waves",
                                  None, week_column, str(week)))
        elif data[column].nunique() < 2 and key not in constant:
            unusable.add(column)
            problems.append(error(where(key), "score_variance", f"every {key} score in week {week} is "
                                  f"{data[column].dropna().iloc[0]:g} ({people(count)}): a score that does not "
                                  "vary cannot be modelled. Check the export, or leave the week out of model.waves",
                                  None, week_column, str(week)))
        elif key in constant:
            unusable.add(column)
    correlation = data.corr(min_periods=2)
    for a, b in itertools.combinations(variables, 2):
        if a in unusable or b in unusable:
            continue
        (key_a, week_a), (key_b, week_b) = variables[a], variables[b]
        both = int(coverage.at[a, b])
        pair = f"{key_a} in week {week_a} and {key_b} in week {week_b}"
        if both < min_coverage:
            problems.append(error(where(key_a, key_b), "joint_coverage", f"{pair} are observed together in "
                                  f"{people(both)}, fewer than {FLOOR} ({min_coverage}): too few to estimate their "
                                  "covariance. Check the export for missing rows, or leave one of the weeks out of "
                                  "model.waves", None, week_column, f"{week_a}, {week_b}"))
        elif abs(correlation.at[a, b]) >= COLLINEAR:
            problems.append(error(where(key_a, key_b), "collinear_scores", f"{pair} are perfectly correlated (r = "
                                  f"{correlation.at[a, b]:.3f}, {people(both)}): one is a copy or a linear "
                                  "function of the other. Check the export", None, week_column, f"{week_a}, {week_b}"))
    if not problems and not unusable and not estimable(data[sorted(variables)]):
        problems.append(error(everyone, "covariance_estimable", f"the covariance matrix of the {data.shape[1]} "
                              f"modelled scores cannot be estimated from these {len(data)} participants and their "
                              "missing weeks: use fewer waves (model.waves), or more participants", None, None,
                              f"{len(data)} participants, {data.shape[1]} scores"))
    return problems


def people(n: int) -> str:
    return f"{n} participant" if n == 1 else f"{n} participants"


def estimable(data: pd.DataFrame) -> bool:
    """Whether the saturated (unrestricted) FIML model of these columns has an estimate:
    every model's fit measures need it. It fails where there are too few participants,
    for their missing-data patterns, to estimate the covariance matrix. Near that edge
    the outcome turns on rounding, so the columns must come as every fit takes them
    (sorted by name, panelsem.model.Matrices; rows as panelsem.problem.FIMLProblem
    keeps them), to give the same verdict bit for bit."""
    try:
        with np.errstate(all="ignore"):
            _, _, loglik, _ = saturated_em(patterns_from_array(data.to_numpy()))
    except (np.linalg.LinAlgError, FloatingPointError, ValueError):
        return False
    return bool(np.isfinite(loglik))


def group_problems(wide: pd.DataFrame, constructs: dict[str, str], waves, group_column: str, groups,
                   min_coverage: int) -> dict[str, str]:
    """Group -> why the multigroup model cannot be estimated in it, for the groups where
    it cannot (constructs: short name -> column prefix <instrument>_)."""
    variables = model_variables([prefix[:-1] for prefix in constructs.values()], waves)
    reasons = {}
    for group in groups:
        found = panel_problems(wide[wide[group_column].astype(str) == group], variables, min_coverage)
        if found:
            more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
            reasons[group] = found[0]["detail"].split(":")[0] + more
    return reasons
