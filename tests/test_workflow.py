"""One end-to-end build at reduced size: every stage runs, reruns do nothing, CSVs are stable."""

import base64
import filecmp
import json
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from conftest import ROOT, copy_workflow, overlaid_config, snakemake

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


def test_supplement_reports_the_recovery_study(built):
    build = built / "manuscript" / "_build"
    variables = yaml.safe_load((built / "manuscript" / "_variables.yml").read_text())["recovery"]
    assert variables["replications"] == 4 and variables["bootstrap"] == 10  # config/small.yaml
    html = " ".join((build / "supplement.html").read_text().split())
    for key in ("lagged", "indirect", "precision", "convergence"):
        assert variables[key] in html, key
    assert 'id="tbl-recovery"' in html and 'id="fig-recovery"' in html
    table = (built / "results" / "tables" / "recovery.csv").read_text().splitlines()
    assert len(table) == 1 + 9 + 2  # nine lagged effects, the indirect effect with two intervals
    replications = (built / "results" / "recovery" / "replications.csv").read_text().splitlines()
    assert len(replications) == 1 + 4 * (9 + 2)
    pdf_text = " ".join(page.extract_text() for page in PdfReader(build / "supplement.pdf").pages)
    assert "Supplement" in pdf_text and re.search(r"Table\s+1", pdf_text)


def rendered_text(workdir: Path) -> tuple[str, str]:
    """The HTML's text and the PDF's text, whitespace folded and minus signs as hyphens."""
    html = (workdir / "manuscript" / "_build" / "index.html").read_text()
    html = re.sub(r"<[^>]+>", " ", html)
    pdf = " ".join(page.extract_text() for page in PdfReader(workdir / "manuscript" / "_build" / "index.pdf").pages)
    return tuple(" ".join(t.replace("\u2212", "-").replace("&gt;", ">").split()) for t in (html, pdf))


def key_numbers(workdir: Path) -> list[str]:
    """Key estimates as the manuscript prints them, read from the results files."""
    import pandas as pd

    lagged = pd.read_csv(workdir / "results/models/riclpm_sai_patient/lagged.csv").set_index("label")
    fit = pd.read_csv(workdir / "results/models/riclpm_sai_patient/fit.csv").set_index("measure")["value"]
    indirect = pd.read_csv(workdir / "results/models/riclpm_sai_patient/indirect.csv").iloc[0]
    numbers = [f"{lagged.loc[label, 'est']:.3f}" for label in ("b_D_A", "b_D_E", "b_E_A")]
    numbers += [f"[{lagged.loc['b_D_E', 'ci_lower']:.3f}, {lagged.loc['b_D_E', 'ci_upper']:.3f}]"]
    numbers += [f"{fit['chisq']:.2f}", f"{fit['cfi']:.3f}", f"{indirect['estimate']:.3f}",
                f"[{indirect['boot_lower']:.3f}, {indirect['boot_upper']:.3f}]"]
    return numbers


def test_manuscript_numbers_equal_results_files(built):
    html, pdf = rendered_text(built)
    for number in key_numbers(built):
        assert number in html, f"{number} not in the HTML"
        assert number in pdf, f"{number} not in the PDF text"


def test_another_seed_changes_the_reported_numbers(built, tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (tmp_path / "seed.yaml").write_text("seed: 7\n")
    snakemake(workdir, "--cores", "2", "--configfile", "config/small.yaml", str(tmp_path / "seed.yaml"))
    html, _ = rendered_text(workdir)
    ours, theirs = key_numbers(built), key_numbers(workdir)
    assert all(number in html for number in theirs)
    assert ours[:3] != theirs[:3]


def test_provenance_hashes_inputs(built):
    import json

    from provenance import sha256_file

    record = json.loads((built / "results" / "provenance.json").read_text())
    for name, entry in record["data_files"].items():
        assert entry["sha256"] == sha256_file(built / entry["path"]), name
    assert {"snakemake", "semopy", "numpy"} <= set(record["packages"])


def report_script(page: str, script_id: str):
    """The JSON value that the Snakemake report assigns in its <script id=...> element."""
    match = re.search(rf'<script id="{script_id}">\s*var \w+ = (.*?);\s*</script>', page, re.S)
    assert match, f"no {script_id} in the report"
    return json.loads(match.group(1))


def plain(caption_html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", caption_html)).split())


def test_report_captions_every_figure_and_table(built, tmp_path):
    """`snakemake --report` gives one HTML file embedding every PNG figure and every
    results table, each with the caption of workflow/report/{figure,table}_<name>.rst."""
    report = tmp_path / "report.html"
    snakemake(built, "--report", str(report), "--configfile", "config/small.yaml")
    assert list(tmp_path.iterdir()) == [report]
    page = report.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    # Self-contained: nothing fetched from elsewhere; results are embedded as data: URIs.
    assert not re.search(r"<(?:script|img|iframe|embed|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page, re.I)
    results = report_script(page, "results")

    figures = sorted((built / "results" / "figures").glob("*.png"))
    tables = sorted((built / "results" / "tables").glob("*.csv"))
    assert figures and tables
    captions = {}
    for kind, files in (("figure", figures), ("table", tables)):
        for path in files:
            rel = str(path.relative_to(built))
            rst = built / "workflow" / "report" / f"{kind}_{path.stem}.rst"
            assert rst.exists(), f"{rel} has no caption file {rst.name}"
            assert rel in results, f"{rel} is not in the report"
            entry = results[rel]
            data = entry["data_uri"]
            assert data.startswith("data:") and base64.b64decode(data.split(";base64,", 1)[1]) == path.read_bytes(), rel
            caption = plain(entry["caption"])
            # Each caption's first line is plain text: it must survive Jinja and rst intact.
            first_line = " ".join(rst.read_text().splitlines()[0].split())
            assert first_line and first_line in caption, f"{rel}: caption lacks {first_line!r}"
            assert "{{" not in caption and "{%" not in caption and "System Message" not in caption, rel
            captions[rel] = caption
    # No caption file without its output, no reported file that the loops above missed.
    used = {f"{kind}_{p.stem}.rst" for kind, files in (("figure", figures), ("table", tables)) for p in files}
    assert {p.name for p in (built / "workflow" / "report").glob("*.rst")} - {"workflow.rst"} == used
    assert set(results) == set(captions)

    # Captions quote the configuration the report was made with.
    small = overlaid_config(ROOT / "config" / "small.yaml")
    replications = small["bootstrap"]["replications"]
    assert f"{replications} participant bootstrap resamples" in captions["results/figures/bootstrap.png"]
    assert f"seed = {small['seed']}" in captions["results/tables/indirect.csv"]
    description = plain(report_script(page, "workflow-desc"))
    assert "RI-CLPM workflow" in description and "System Message" not in description
    assert f"{small['synthetic']['n_per_arm']} participants per arm" in description


def test_rerun_does_nothing(built):
    result = snakemake(built, "--cores", "2", "--configfile", "config/small.yaml")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_config_change_leaves_nothing_stale(built, tmp_path):
    """Rule scripts read the config directly; each declares a digest of what it reads."""
    (tmp_path / "loading.yaml").write_text("synthetic:\n  item_loading: 0.6\n")
    result = snakemake(built, "--dry-run", "--configfile", "config/small.yaml", str(tmp_path / "loading.yaml"))
    planned = result.stdout + result.stderr
    for rule in ("simulate", "validate", "score", "fit_riclpm", "tables", "render"):
        assert re.search(rf"^{rule}\s+\d+", planned, re.M), f"{rule} would not rerun"
    # Selective: more bootstrap replicates rerun the bootstrap, not the data or the fits.
    (tmp_path / "boot.yaml").write_text("bootstrap:\n  replications: 30\n")
    result = snakemake(built, "--dry-run", "--configfile", "config/small.yaml", str(tmp_path / "boot.yaml"))
    planned = result.stdout + result.stderr
    assert re.search(r"^bootstrap_chunk\s+\d+", planned, re.M), planned[-3000:]
    assert not re.search(r"^(simulate|fit_riclpm)\s+\d+", planned, re.M)


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


# Last in this file: they verify whatever the tests above left built (a clean rebuild).
def test_verify_passes_against_the_reduced_reference(built):
    result = snakemake(built, "--cores", "2", "verify", "--configfile", "config/small.yaml")
    out = result.stdout + result.stderr
    passed = re.findall(r"^PASS ", out, re.M)
    assert re.search(r"^VERIFIED: (\d+) reported numbers checked; \1 pass$", out, re.M), out[-2000:]
    assert len(passed) > 500 and not re.search(r"^FAIL ", out, re.M)
    for name in ("manuscript/_variables.yml > lagged.patient.D_A [1]", "results/tables/recovery.csv > ",
                 "results/tables/claims.csv > "):
        assert f"PASS {name}" in out, name


def test_verify_fails_on_an_edited_reference_number_and_names_it(built, tmp_path):
    import pandas as pd

    reference = pd.read_csv(built / "config/reference/small.csv", dtype=str, keep_default_na=False)
    row = (reference["source"] == "manuscript/_variables.yml") & (reference["item"] == "lagged.patient.D_A")
    original = reference.loc[row, "value"].iloc[0]  # "b = -0.xxx, 95% CI [...], p ..."
    estimate = re.search(r"b = (-?\d+\.\d+)", original)[1]
    edited = f"{float(estimate) + 0.001:.3f}"
    reference.loc[row, "value"] = original.replace(f"b = {estimate}", f"b = {edited}", 1)
    reference.to_csv(tmp_path / "edited.csv", index=False, lineterminator="\n")
    (tmp_path / "overlay.yaml").write_text(f"verification:\n  reference: {tmp_path / 'edited.csv'}\n")
    result = snakemake(built, "--cores", "2", "verify", "--configfile", "config/small.yaml",
                       str(tmp_path / "overlay.yaml"), check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    failures = re.findall(r"^FAIL .*$", out, re.M)
    allowed = 1e-6 + 1e-6 * abs(float(edited))  # config.yaml: verification.tolerance
    assert failures == [f"FAIL manuscript/_variables.yml > lagged.patient.D_A [1]: reference {float(edited):.10g}, "
                        f"rebuilt {float(estimate):.10g} (|diff| 0.001, allowed {allowed:.3g}) [drift]"], failures
    assert re.search(r"^NOT VERIFIED: \d+ reported numbers checked; 1 drift, \d+ pass$", out, re.M)
    assert not (built / "results/verification/verified.txt").exists()
