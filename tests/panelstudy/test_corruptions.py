"""Every corrupted copy of the default trial's files (tests/panelstudy/corrupt.py) is
rejected with the exact file, line, column and rule of each problem, and every odd but
valid one comes out of validation unchanged."""

import copy
from collections import Counter

import pandas as pd
import pytest

from panelstudy import params
from panelstudy.data_contract import DataValidationError, input_paths
from panelstudy.premodel import validate_for_models


def validated(folder, config):
    contract = params.contract(config)
    return validate_for_models(input_paths(contract, folder), contract, params.premodel(config), str(folder))


@pytest.fixture(scope="module")
def pristine(base_trial):
    folder, config = base_trial
    return validated(folder, config)


def located(errors: pd.DataFrame) -> Counter:
    rows = errors.astype(object).where(errors.notna(), None)
    return Counter(zip(rows["file"], rows["row"], rows["column"], rows["rule"]))


def test_corruption(corruption, corrupt, base_trial, pristine, tmp_path):
    base, config = base_trial
    trial = corrupt.Trial(base, tmp_path / "raw", copy.deepcopy(config))
    expected = corruption.edit(trial)
    if expected:
        with pytest.raises(DataValidationError) as caught:
            validated(trial.folder, trial.config)
        errors = caught.value.errors
        assert located(errors) == Counter(expected), errors.to_string()
        assert errors[["file", "rule", "detail"]].notna().all().all()
        return
    data = validated(trial.folder, trial.config)
    if expected is None:
        assert data.keys() == pristine.keys()
        for key in data:
            pd.testing.assert_frame_equal(data[key], pristine[key])


def documented_rules(path) -> list[str]:
    """The rules of the tables headed `| rule |` in the data contract's documentation."""
    rules, inside = [], False
    for line in path.read_text().splitlines():
        if line.startswith("| rule |"):
            inside = True
        elif not line.startswith("|"):
            inside = False
        elif inside and line.startswith("| `"):
            rules.append(line.split("`")[1])
    return rules


def test_every_documented_rule_has_a_case(corrupt, repo_root):
    import inspect

    rules = documented_rules(repo_root / "docs" / "data-contract.md")
    assert len(rules) >= 30 and {"file_exists", "id_lookalike", "covariance_estimable"} <= set(rules)
    cases = inspect.getsource(corrupt)
    assert [rule for rule in rules if f'"{rule}"' not in cases] == []


def test_random_damage_is_reported_or_passes_never_crashes(base_trial, tmp_path):
    """Bytes inserted, deleted or repeated at random in one file: validation either
    passes or names every problem with its file, rule and detail; nothing else is raised."""
    import random
    import shutil

    folder, config = base_trial
    rng = random.Random(15)
    pieces = [",", "\n", "\r", '"', " ", "\t", "\x00", "\ufeff", "\u200b", "\xa0", "\uff13", "NA", "+", ".", ";", "0"]
    for attempt in range(40):
        raw = tmp_path / str(attempt)
        shutil.copytree(folder, raw)
        file = rng.choice(sorted(raw.glob("*.csv")))
        data = file.read_bytes()
        for _ in range(rng.randint(1, 4)):
            at, kind = rng.randrange(len(data) + 1), rng.random()
            if kind < 0.5:
                data = data[:at] + rng.choice(pieces).encode() + data[at:]
            elif kind < 0.8:
                data = data[:at] + data[at + rng.randint(1, 30):]
            else:
                data = data[:at] + bytes([rng.randrange(256)]) + data[at:at + 40] * 2 + data[at:]
        file.write_bytes(data)
        try:
            validated(raw, config)
        except DataValidationError as failure:
            assert failure.errors[["file", "rule", "detail"]].notna().all().all(), failure.errors.to_string()
