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
    html = (build / "index.html").read_text()
    assert "Synthetic data" in html
    assert variables["lagged"]["patient"]["D_E"] in html
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
    snakemake(built, "--cores", "2", "--configfile", "config/small.yaml", "tables", "measurement")
    csvs = sorted(p.relative_to(first) for p in first.rglob("*.csv"))
    assert len(csvs) > 15
    _, mismatch, errors = filecmp.cmpfiles(first, built / "results", [str(p) for p in csvs], shallow=False)
    assert not mismatch and not errors, mismatch + errors
