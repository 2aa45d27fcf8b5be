"""`make power` at reduced size (.test/power/overlay.yaml on the small config): the
planning document is built without the paper, its numbers verify, reruns do nothing,
power rises with N, results do not depend on the scatter, and a fork's own power
section (the second trial's) runs."""

import filecmp
import re
import shutil
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pypdf import PdfReader

pytestmark = pytest.mark.e2e

OVERLAY = Path(__file__).resolve().parents[2] / ".test" / "power" / "overlay.yaml"
POWER_CSVS = ["results/power/replications.csv", "results/power/summary.csv", "results/power/needed.csv",
              "results/tables/power.csv", "results/tables/power_n.csv"]


@pytest.fixture(scope="module")
def planned(tmp_path_factory, copy_workflow, snakemake, small_args) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("power") / "wf")
    snakemake(workdir, "--cores", "2", "power", "results/verification/reported.csv", *small_args(OVERLAY))
    return workdir


@pytest.fixture(scope="module")
def overlay() -> dict:
    return yaml.safe_load(OVERLAY.read_text())


def test_the_planning_document_is_built_and_the_paper_is_not(planned, overlay):
    build = planned / "manuscript" / "_build"
    for name in ("planning.html", "planning.pdf", "planning.docx"):
        assert (build / name).stat().st_size > 10_000, name
    assert not (build / "index.html").exists() and not (planned / "results" / "models").exists()
    variables = yaml.safe_load((planned / "manuscript/_generated/planning/_variables.yml").read_text())["planning"]
    assert variables["replications"] == overlay["power"]["replications"]
    # Pandoc writes apostrophes as typographic ones, and may escape them.
    html = " ".join(unescape((build / "planning.html").read_text()).replace("\u2019", "'").split())
    for key in ("needed", "agreement", "attrition", "measurement", "convergence"):
        assert variables[key] in html, key
    assert 'id="tbl-power"' in html and 'id="tbl-power-n"' in html and 'id="fig-power"' in html
    assert "Mulder" in html and "{{<" not in html
    pdf_text = " ".join(page.extract_text() for page in PdfReader(build / "planning.pdf").pages)
    assert "Planning a replication" in pdf_text and re.search(r"Table\s+2", pdf_text)


def test_power_rises_with_n(planned, overlay):
    summary = pd.read_csv(planned / "results/power/summary.csv")
    assert sorted(summary["n_per_arm"].unique()) == overlay["power"]["n_per_arm"]
    for effect, curve in summary.groupby("parameter"):
        curve = curve.sort_values("n_per_arm")
        assert curve["analytic_power"].is_monotonic_increasing and curve["analytic_power"].is_unique, effect
        assert curve["power"].iloc[-1] > curve["power"].iloc[0], effect
    table = pd.read_csv(planned / "results/tables/power_n.csv")
    assert len(table) == 4 and table["Effect"].str.contains("→").all()


def test_rerun_does_nothing(planned, snakemake, small_args):
    result = snakemake(planned, "--cores", "2", "power", *small_args(OVERLAY))
    assert "Nothing to be done" in result.stdout + result.stderr


def test_another_sample_size_runs_only_its_own_replications(planned, tmp_path, snakemake, small_args, overlay):
    larger = {**overlay, "power": {**overlay["power"], "n_per_arm": [*overlay["power"]["n_per_arm"], 320]}}
    (tmp_path / "larger.yaml").write_text(yaml.safe_dump(larger))
    planned_jobs = snakemake(planned, "--dry-run", "power", *small_args(tmp_path / "larger.yaml")).stdout
    assert re.search(r"^power_chunk\s+4$", planned_jobs, re.M), planned_jobs
    assert re.search(r"^power_summary\s+1$", planned_jobs, re.M)
    assert not re.search(r"^power_(population|analytic)\s", planned_jobs, re.M)


def test_scattered_results_equal_unscattered_ones(planned, tmp_path, snakemake, small_args):
    once = tmp_path / "wf"
    shutil.copytree(planned, once, symlinks=True)
    snakemake(once, "--cores", "2", "power_summary", "--set-scatter", "power=1", *small_args(OVERLAY))
    assert sorted(p.name for p in (once / "results/power/chunks/n40").iterdir()) == ["1-of-1.csv", "1-of-4.csv",
                                                                                    "2-of-4.csv", "3-of-4.csv",
                                                                                    "4-of-4.csv"]
    _, mismatch, errors = filecmp.cmpfiles(planned, once, POWER_CSVS, shallow=False)
    assert not mismatch and not errors, mismatch + errors


# After the tests above, which leave the build as it was.
def test_verify_passes_against_the_reduced_reference(planned, snakemake, small_args):
    result = snakemake(planned, "--cores", "2", "verify", *small_args(OVERLAY))
    out = result.stdout + result.stderr
    assert re.search(r"^VERIFIED: (\d+) reported numbers checked; \1 pass$", out, re.M), out[-2000:]
    for name in ("manuscript/_generated/planning/_variables.yml > planning.needed [1]",
                 "results/tables/power_n.csv > alliance → depression > Analytic"):
        assert f"PASS {name}" in out, name
    assert "manuscript/_variables.yml" not in out  # the paper's numbers are not this reference's


def test_a_forks_own_power_section_runs(tmp_path, copy_workflow, snakemake, trial2_args, repo_root):
    """The second trial: other processes and hypotheses, six planned waves of its eight,
    its own expected effects, observed scores; at a few replications."""
    workdir = copy_workflow(tmp_path / "wf")
    (tmp_path / "quick.yaml").write_text("power:\n  n_per_arm: [40, 120]\n  replications: 6\n")
    snakemake(workdir, "--cores", "2", "power", *trial2_args(tmp_path / "quick.yaml"))
    fork = yaml.safe_load((repo_root / ".test/trial2/config.yaml").read_text())["power"]
    effects = pd.read_csv(workdir / "results/power/analytic.csv").set_index("parameter")
    assert list(effects.index) == ["b_M_W", "b_M_R", "b_R_W", "b_R_W*b_M_R"]
    truth = pd.read_csv(workdir / "results/power/pseudo_true.csv").set_index("name")
    # Scores without measurement error: the analysis converges to the fork's own effects.
    planned_b = fork["population"]["lagged_effects"]
    for name, value in (("b_R_W", planned_b[1][0]), ("b_M_W", planned_b[2][0]), ("b_M_R", planned_b[2][1])):
        assert abs(truth.loc[name, "value"] - value) < 4 * truth.loc[name, "mcse"], name
        assert truth.loc[name, "population"] == value
    variables = yaml.safe_load((workdir / "manuscript/_generated/planning/_variables.yml").read_text())["planning"]
    assert variables["waves"] == fork["waves"] and variables["arms"] == "GCBT and APP"
    assert "`lagged_effects`" in variables["population"] and "without measurement error" in variables["measurement"]
    html = " ".join((workdir / "manuscript/_build/planning.html").read_text().split())
    assert "bond → regulation → mood" in html
