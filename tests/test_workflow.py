"""One end-to-end build at reduced size: every stage runs, reruns do nothing, CSVs are stable."""

import filecmp
import re
import shutil
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("e2e") / "wf")
    snakemake(workdir, "--cores", "2", "--configfile", "config/small.yaml")
    return workdir


def test_paper_is_built(built):
    build = built / "manuscript" / "_build"
    for name in ("index.html", "index.pdf", "index.docx"):
        assert (build / name).stat().st_size > 10_000, name
    variables = yaml.safe_load((built / "manuscript" / "_variables.yml").read_text())
    assert variables["sample"]["n"] == 100
    html = " ".join((build / "index.html").read_text().split())  # pandoc wraps source lines
    assert "Synthetic data" in html
    assert variables["lagged"]["patient"]["D_E"] in html
    assert variables["indirect"]["patient"] in html
    claims = (built / "results" / "tables" / "claims.csv").read_text()
    assert claims.count("\n") == 6 and "supported" in claims
    replicates = (built / "results" / "bootstrap" / "riclpm_sai_patient" / "replicates.csv").read_text()
    assert replicates.count("\n") == 1 + 20  # config/small.yaml: 20 replicates over 2 chunks
    assert variables["provenance"]["commit"] in html or "not a git checkout" in html
    pdf_text = " ".join(page.extract_text() for page in PdfReader(build / "index.pdf").pages)
    assert "Synthetic data" in pdf_text
    assert re.search(r"Table\s+\d", pdf_text) and re.search(r"Figure\s+\d", pdf_text)


def test_provenance_hashes_inputs(built):
    import json

    from provenance import sha256_file

    record = json.loads((built / "results" / "provenance.json").read_text())
    for name, entry in record["data_files"].items():
        assert entry["sha256"] == sha256_file(built / entry["path"]), name
    assert {"snakemake", "semopy", "numpy"} <= set(record["packages"])


def test_rerun_does_nothing(built):
    result = snakemake(built, "--cores", "2", "--configfile", "config/small.yaml")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_clean_rebuild_gives_identical_csvs(built, tmp_path):
    first = tmp_path / "first"
    shutil.copytree(built / "results", first)
    shutil.rmtree(built / "results")
    shutil.rmtree(built / "resources")
    snakemake(built, "--cores", "2", "--configfile", "config/small.yaml")
    csvs = sorted(p.relative_to(first) for p in first.rglob("*.csv"))
    assert len(csvs) > 15
    _, mismatch, errors = filecmp.cmpfiles(first, built / "results", [str(p) for p in csvs], shallow=False)
    assert not mismatch and not errors, mismatch + errors


def test_handwritten_real_data_run_end_to_end(tmp_path):
    """data.source: raw on hand-typed files (not generator output): validated, scored,
    fitted to convergence, and rendered without the synthetic-data banner."""
    import json

    workdir = copy_workflow(tmp_path / "wf")
    snakemake(workdir, "--cores", "2", "--configfile", "tests/fixtures/handwritten/config.yaml")
    assert not (workdir / "resources").exists(), "the generator ran in real-data mode"
    for rater in ("sai_patient", "sai_therapist"):
        diagnostics = json.loads((workdir / f"results/models/riclpm_{rater}/diagnostics.json").read_text())
        assert diagnostics["converged"] and diagnostics["rows_used"] == 30, diagnostics
    intake = (workdir / "results/data/intake.csv").read_text()
    assert "sai_patient.csv" in intake
    html = (workdir / "manuscript/_build/index.html").read_text()
    assert "Synthetic data" not in html
    assert "tests/fixtures/handwritten" in html


def test_corrupt_input_stops_before_any_analysis(tmp_path):
    """Bad raw files stop the run at `validate`: all problems named in its log, and
    no validated, scored or modelled output left behind."""
    workdir = copy_workflow(tmp_path / "wf")
    raw = workdir / "data" / "raw"
    fixture = workdir / "tests" / "fixtures" / "handwritten"
    for csv in fixture.glob("*.csv"):
        shutil.copy(csv, raw / csv.name)
    qids = raw / "qids.csv"
    lines = qids.read_text().splitlines()
    fields = lines[3].split(",")
    fields[4] = "7"  # qids01 ranges 0-3
    lines[3] = ",".join(fields)
    qids.write_text("\n".join(lines) + "\n")
    sai = raw / "sai_patient.csv"
    sai_lines = sai.read_text().splitlines()
    sai.write_text("\n".join(sai_lines + [sai_lines[1]]) + "\n")  # a duplicated participant-week
    overlay = yaml.safe_load((fixture / "config.yaml").read_text())
    overlay["data"]["raw_dir"] = "data/raw"
    (tmp_path / "overlay.yaml").write_text(yaml.safe_dump(overlay))

    result = snakemake(workdir, "--cores", "2", "--configfile", str(tmp_path / "overlay.yaml"), check=False)
    assert result.returncode != 0
    log = (workdir / "logs" / "validate.log").read_text()
    assert re.search(r"qids\.csv\s+4\s+qids01\s+7\s+in_range", log), log
    assert "unique_id_week" in log and "sai_patient.csv" in log
    assert not (workdir / "results" / "data" / "validated").exists() or not any((workdir / "results" / "data" / "validated").iterdir())
    assert not (workdir / "results" / "scores").exists()
    assert not (workdir / "results" / "models").exists()
