"""Seeds, provenance and pinned dependencies."""

import hashlib
import json
import re

from pathlib import Path

from panelreport.provenance import config_hash, pinned_packages, provenance, sha256_file
from panelstudy.seeds import derive_seed
from paneltools.lock import environment_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_seeds_are_stable_and_distinct():
    assert derive_seed(1, "simulate") == derive_seed(1, "simulate")
    assert len({derive_seed(1, "simulate"), derive_seed(2, "simulate"), derive_seed(1, "bootstrap", 0),
                derive_seed(1, "bootstrap", 1)}) == 4
    # Pinned value: a change here would silently change every synthetic data set.
    expected = int.from_bytes(hashlib.sha256(b"20230815:simulate").digest()[:4], "little")
    assert derive_seed(20230815, "simulate") == expected


def test_config_hash_ignores_key_order():
    assert config_hash({"a": 1, "b": {"c": 2, "d": 3}}) == config_hash({"b": {"d": 3, "c": 2}, "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_provenance_records_hashes_and_versions(tmp_path, config):
    data = tmp_path / "x.csv"
    data.write_bytes(b"id,week\n1,1\n")
    record = provenance(config_hash(config), "synthetic", {"x": str(data)}, ROOT, ROOT / "requirements.txt")
    assert record["data_files"]["x"]["sha256"] == hashlib.sha256(b"id,week\n1,1\n").hexdigest()
    assert record["data_files"]["x"]["sha256"] == sha256_file(data)
    assert re.fullmatch(r"3\.11\.\d+", record["python"])
    assert record["config_sha256"] == config_hash(config)
    json.dumps(record)  # must be serialisable as is


def test_every_dependency_is_pinned_and_installed():
    lines = [l for l in (ROOT / "requirements.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[^=\s]+", l) for l in lines), "unpinned line"
    pinned = dict(l.split("==") for l in lines)
    installed = pinned_packages(ROOT / "requirements.txt")
    mismatched = {name: (pinned[name], installed[name]) for name in pinned if installed[name] != pinned[name]}
    assert not mismatched, f"installed versions differ from the pins: {mismatched}"
    top_level = [l.strip() for l in (ROOT / "requirements.in").read_text().splitlines() if l.strip() and not l.startswith("#")]
    lower = {name.lower().replace("_", "-") for name in pinned}
    assert {t.lower().replace("_", "-") for t in top_level} <= lower


def test_environment_yml_in_step_with_requirements():
    expected = environment_yaml((ROOT / "requirements.txt").read_text())
    assert (ROOT / "environment.yml").read_text() == expected, "run `make lock` (or python -m paneltools.lock)"
