"""Real-data mode: hand-typed files run end to end; corrupt files stop the run at validation."""

import re
import shutil

import pytest
import yaml

pytestmark = pytest.mark.e2e


def test_handwritten_real_data_run_end_to_end(tmp_path, copy_workflow, snakemake):
    """data.source: raw on hand-typed files (not generator output): validated, scored,
    fitted to convergence, and rendered without the synthetic-data banner."""
    import json

    workdir = copy_workflow(tmp_path / "wf")
    snakemake(workdir, "--cores", "2", "--replace-workflow-config", "--configfile", ".test/handwritten/config.yaml")
    assert not (workdir / "resources").exists(), "the generator ran in real-data mode"
    for rater in ("sai_patient", "sai_therapist"):
        diagnostics = json.loads((workdir / f"results/models/riclpm_{rater}/diagnostics.json").read_text())
        assert diagnostics["converged"] and diagnostics["rows_used"] == 30, diagnostics
    intake = (workdir / "results/data/intake.csv").read_text()
    assert "sai_patient.csv" in intake
    html = (workdir / "manuscript/_build/index.html").read_text()
    assert "Synthetic data" not in html
    assert ".test/handwritten" in html
    # Privacy on real data: no participant id anywhere a reader looks, and no figure of
    # individual trajectories unless the config asks for it.
    ids = {line.split(",")[0] for line in (workdir / ".test/handwritten/qids.csv").read_text().splitlines()[1:]}
    assert len(ids) == 30
    shown = [html, *(p.read_text() for p in (workdir / "results/tables").glob("*.csv")),
             *(p.read_text() for p in (workdir / "manuscript/_generated").rglob("*.md"))]
    assert not [i for i in ids if any(re.search(rf"\b{i}\b", text) for text in shown)]
    assert 'id="fig-individual"' not in html and not (workdir / "results/figures/individual.png").exists()
    # Every reported number of the real-data path against its committed reference.
    verify = snakemake(workdir, "--cores", "2", "verify", "--replace-workflow-config", "--configfile",
                       ".test/handwritten/config.yaml")
    assert re.search(r"^VERIFIED: (\d+) reported numbers checked; \1 pass$", verify.stdout + verify.stderr, re.M)


def test_corrupt_input_stops_before_any_analysis(tmp_path, copy_workflow, snakemake):
    """Bad raw files stop the run at `validate`: all problems named in its log, and
    no validated, scored or modelled output left behind."""
    workdir = copy_workflow(tmp_path / "wf")
    raw = workdir / "data" / "raw"
    fixture = workdir / ".test" / "handwritten"
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
    overlay["data"].update(raw_dir="data/raw", ignore_files=[])  # the fixture folder's config and reference stay behind
    (tmp_path / "overlay.yaml").write_text(yaml.safe_dump(overlay))

    result = snakemake(workdir, "--cores", "2", "--replace-workflow-config", "--configfile", str(tmp_path / "overlay.yaml"),
                       check=False)
    assert result.returncode != 0
    log = (workdir / "logs" / "validate.log").read_text()
    assert re.search(r"qids\.csv\s+4\s+qids01\s+7\s+in_range", log), log
    assert "unique_id_week" in log and "sai_patient.csv" in log
    assert not (workdir / "results" / "data" / "validated").exists() or not any((workdir / "results" / "data" / "validated").iterdir())
    assert not (workdir / "results" / "scores").exists()
    assert not (workdir / "results" / "models").exists()


@pytest.mark.parametrize("stage", ["contract", "checks before any model"])
def test_a_rejected_input_leaves_nothing_behind(stage, tmp_path, copy_workflow, snakemake, small_args, corrupt,
                                                base_trial):
    """Whether the contract or the checks before any model reject it: the run stops at
    validate; a missing file is the contract's file_exists problem among the others, not
    Snakemake's MissingInputException; the table and its summary line reach the terminal
    and logs/validate.log alike, with no traceback; and no file under results/ or
    manuscript/_generated/ exists afterwards (provenance and the recovery study wait too)."""
    workdir = copy_workflow(tmp_path / "wf")
    base, config = base_trial
    trial = corrupt.Trial(base, workdir / "data" / "raw", config)
    if stage != "contract":
        corrupt.constant_item(trial)
        expected = [r"ersq\.csv\s+ersq3\s+2\s+item_variance"]
    else:
        corrupt.missing_file(trial)
        corrupt.full_width_item(trial)
        expected = [r"ersq\.csv\s+file_exists", r"qids\.csv\s+3\s+qids05\s+\S+\s+integer"]
    (tmp_path / "raw.yaml").write_text("data:\n  source: raw\n  raw_dir: data/raw\n")
    result = snakemake(workdir, "--cores", "2", *small_args(tmp_path / "raw.yaml"), check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "MissingInputException" not in out and "Traceback" not in out, out[-3000:]
    log = (workdir / "logs" / "validate.log").read_text()
    for pattern in expected:
        assert re.search(pattern, log) and re.search(pattern, result.stderr), (pattern, log)
    summary = log.strip().splitlines()[-1]
    assert summary.startswith("validation failed: ") and summary in result.stderr
    left = [str(p.relative_to(workdir)) for folder in ("results", "manuscript/_generated")
            for p in (workdir / folder).rglob("*") if p.is_file()]
    assert left == []
    ran = set(re.findall(r"^(?:local)?(?:rule|checkpoint) (\w+):", result.stdout + result.stderr, re.M))
    assert ran == {"validate"}, ran
