"""The synthetic trial: design, determinism, realism and agreement with the data contract."""

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from panelstudy import params
from panelstudy.data_contract import contract, validate_inputs
from panelstudy.synthetic import domain_total, simulate_trial, write_trial

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / ".test" / "small" / "config.yaml").read_text())
CONFIG["synthetic"]["n_per_arm"] = 136  # the trial's size: the expectations below are counts of it
SEED = CONFIG["seed"]
DESIGN = params.simulation(CONFIG)  # what the simulate rule hands the generator


def paths_in(directory: Path) -> dict[str, str]:
    return {key: str(directory / spec["file"]) for key, spec in CONFIG["instruments"].items()}


@pytest.fixture(scope="module")
def trial():
    return simulate_trial(DESIGN, SEED)


@pytest.fixture(scope="module")
def written(tmp_path_factory, trial):
    out = tmp_path_factory.mktemp("raw")
    paths = paths_in(out)
    write_trial(*trial, paths, out / "truth.json")
    return paths, out / "truth.json"


def file_bytes(tables, truth, directory):
    paths = paths_in(directory)
    write_trial(tables, truth, paths, directory / "truth.json")
    return {Path(p).name: Path(p).read_bytes() for p in [*paths.values(), directory / "truth.json"]}


def cronbach_alpha(items: np.ndarray) -> float:
    items = items[~np.isnan(items).any(axis=1)]
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def scored(frame: pd.DataFrame, spec: dict) -> pd.Series:
    items = frame[spec["items"]].astype(float)
    if spec["score"] == "mean":
        return items.mean(axis=1)
    return pd.Series(domain_total(items.to_numpy(), spec), index=frame.index)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    first = file_bytes(*simulate_trial(DESIGN, SEED), tmp_path / "a")
    again = file_bytes(*simulate_trial(DESIGN, SEED), tmp_path / "b")
    other = file_bytes(*simulate_trial(DESIGN, SEED + 1), tmp_path / "c")
    assert first == again
    assert all(first[name] != other[name] for name in first if name != "truth.json")


def test_design(trial):
    tables, _ = trial
    assert list(tables) == list(CONFIG["instruments"])
    for key, frame in tables.items():
        spec = CONFIG["instruments"][key]
        assert list(frame.columns) == ["id", "arm", "week", "rater", *spec["items"]]
        assert set(frame["week"]) <= set(spec["weeks"])
        assert (frame["rater"] == spec["rater"]).all()
        items = frame[spec["items"]]
        assert items.min().min() >= spec["item_min"] and items.max().max() <= spec["item_max"]
        assert not frame.duplicated(["id", "week"]).any()
    baseline = tables["qids"].query("week == 0")
    assert len(baseline) == 272
    assert baseline.groupby("arm")["id"].nunique().to_dict() == {"ICBT": 136, "IPDT": 136}
    assert baseline["arm"].iloc[:20].nunique() == 2  # arms are randomised, not blocked by id


def test_written_files_pass_the_contract(written):
    paths, _ = written
    data = validate_inputs(paths, contract(CONFIG))
    assert data["qids"]["id"].nunique() == 272


def test_missingness_reaches_target_and_is_missing_at_random(trial):
    tables, _ = trial
    qids = tables["qids"]
    missing_week10 = 1 - (qids["week"] == 10).sum() / 272
    assert 0.15 <= missing_week10 <= 0.35
    assert 0.005 <= tables["ersq"].iloc[:, 4:].isna().mean().mean() <= 0.02
    # Skipped weeks are absent in every file alike.
    weeks = {key: set(zip(t["id"], t["week"])) for key, t in tables.items()}
    assert (
        weeks["sai_patient"]
        == weeks["ersq"]
        == weeks["sai_therapist"]
        == weeks["qids"] - set(zip(qids.query("week == 0")["id"], qids.query("week == 0")["week"]))
    )
    # Whoever misses next week was more depressed at the last observed week.
    wide = scored(qids, CONFIG["instruments"]["qids"]).groupby([qids["id"], qids["week"]]).first().unstack()
    prev, nxt = wide.iloc[:, :-1].to_numpy(), wide.iloc[:, 1:].to_numpy()
    seen = ~np.isnan(prev)
    assert np.nanmean(prev[seen & np.isnan(nxt)]) > np.nanmean(prev[seen & ~np.isnan(nxt)]) + 1


def test_item_reliabilities_are_realistic(trial):
    tables, _ = trial
    for key, frame in tables.items():
        spec = CONFIG["instruments"][key]
        pooled = cronbach_alpha(frame[spec["items"]].to_numpy(dtype=float))
        weekly = [cronbach_alpha(g[spec["items"]].to_numpy(dtype=float)) for _, g in frame.groupby("week")]
        assert 0.75 <= pooled <= 0.93, (key, pooled)
        assert 0.70 <= min(weekly) and max(weekly) <= 0.93, (key, weekly)


def test_scored_totals_match_the_configured_means_without_missingness():
    config = copy.deepcopy(DESIGN)
    config["synthetic"]["n_per_arm"] = 2000
    config["synthetic"]["missingness"] |= {"dropout_hazard": 1e-12, "skip_probability": 1e-12}
    tables, truth = simulate_trial(config, 7)
    syn = config["synthetic"]
    for k, key in enumerate(["sai_patient", "ersq", "qids"]):
        frame = tables[key]
        score = scored(frame, CONFIG["instruments"][key]).groupby(frame["week"])
        tolerance = 0.05 * (CONFIG["instruments"][key]["item_max"] if k < 2 else 27)
        assert abs(score.mean()[1] - syn["mean_start"][k]) < tolerance
        assert abs(score.mean()[10] - syn["mean_end"][k]) < tolerance
        # Observed SD = latent SD inflated by measurement error, within reason.
        latent_sd = truth["latent_total_sd"][k]
        assert latent_sd * 0.95 < score.std()[5] < latent_sd * 1.35, (key, score.std()[5], latent_sd)
    baseline = scored(tables["qids"], CONFIG["instruments"]["qids"])[tables["qids"]["week"] == 0]
    assert abs(baseline.mean() - syn["missingness"]["baseline"][0]) < 0.5
    therapist, patient = (scored(tables[key], CONFIG["instruments"][key]) for key in ("sai_therapist", "sai_patient"))
    assert 0.3 < np.corrcoef(therapist, patient)[0, 1] < 0.9


def test_truth_file_states_the_population(written):
    _, truth_path = written
    truth = json.loads(truth_path.read_text())
    B = np.array(truth["lagged_effects"])
    assert B[2, 0] < 0 and B[2, 1] < 0 and B[1, 0] > 0
    assert truth["processes"] == ["alliance", "regulation", "depression"]
    assert truth["instruments"] == {"alliance": "sai_patient", "regulation": "ersq", "depression": "qids"}
    assert truth["intercept_sd"] == CONFIG["synthetic"]["intercept_sd"]
    within = np.array(truth["within_stationary_cov"])
    Q = np.array(truth["innovation_cov"])
    assert np.allclose(within, B @ within @ B.T + Q)


def test_domain_total_on_hand_computed_cases():
    spec = CONFIG["instruments"]["qids"]
    # Items 1-17: sleep max(1,3,0,0)=3, mood max(2, item17=1)=2, appetite max(0,1,0,2)=2,
    # concentration 1, self-view 0, suicidal 1, interest 2, energy 3, psychomotor max(0,1)=1.
    row = [1, 3, 0, 0, 2, 0, 1, 0, 2, 1, 0, 1, 2, 3, 0, 1, 1]
    assert domain_total(np.array([row], float), spec)[0] == 15
    # Concentration missing: the other eight domains sum to 14, prorated to 14 * 9 / 8.
    row[9] = np.nan
    assert domain_total(np.array([row], float), spec)[0] == pytest.approx(14 * 9 / 8)
