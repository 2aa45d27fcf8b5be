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
