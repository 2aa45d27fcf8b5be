"""A second trial, shaped unlike the default (.test/trial2): three arms with a waitlist
that has no alliance, 8 waves, one alliance rater called "client", a sum score where
higher is worse, renamed and extra export columns, an auxiliary instrument, its own
population and study text. It builds from its config alone, and nothing of the
default study is left in its manuscript."""

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pypdf import PdfReader

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def trial2(repo_root) -> dict:
    return yaml.safe_load((repo_root / ".test" / "trial2" / "config.yaml").read_text())


@pytest.fixture(scope="module")
def default(repo_root) -> dict:
    """The default study, as the test suite's full config of it (not the user's default config, which a fork edits)."""
    return yaml.safe_load((repo_root / ".test" / "small" / "config.yaml").read_text())


@pytest.fixture(scope="module")
def built(tmp_path_factory, copy_workflow, snakemake, trial2_args) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("trial2") / "wf")
    snakemake(workdir, "--cores", "2", "all", "results/verification/reported.csv", *trial2_args())
    return workdir


def folded(text: str) -> str:
    """Whitespace folded, and the typographic minus and apostrophe of the renderers plain."""
    return " ".join(text.replace("\u2212", "-").replace("\u2019", "'").split())


@pytest.fixture(scope="module")
def documents(built) -> dict[str, str]:
    """The text of every page a reader gets: manuscript and supplement, HTML and PDF."""
    out = {}
    for name in ("index", "supplement"):
        html = (built / "manuscript" / "_build" / f"{name}.html").read_text()
        inline = re.sub(r"</?(code|em|strong|span|a)\b[^>]*>", "", html)
        out[f"{name}.html"] = folded(re.sub(r"<[^>]+>", " ", inline))
        out[f"{name}.pdf"] = folded(" ".join(p.extract_text() for p in PdfReader(built / "manuscript" / "_build" /
                                                                                  f"{name}.pdf").pages))
    return out


def study_strings(config: dict, root: Path) -> set[str]:
    """The words of a study that its config gives: study fields, arm names and labels,
    instrument names, labels and raters, process labels, waves as a duration, score
    ranges, and the sentences of its own introduction and discussion."""
    study = config["study"]
    found = {study[key] for key in ("name", "participants", "design", "title")}
    for arm in config["data"]["arms"]:
        found |= {arm["name"], arm["label"]}
    for inst in config["instruments"].values():
        found |= {inst["name"], inst["label"], f"rated by the {inst['rater']}"}
        low, high = inst["item_min"], inst["item_max"]
        if inst["score"] != "domains":
            found.add(f"({low}-{high}")
        parts = {"domains": len(inst.get("domains", ())), "sum": len(inst["items"])}.get(inst["score"])
        if parts:
            found.add(f"between {parts * low} and {parts * high}")
    found |= {p["label"] for p in config["processes"]}
    found |= {h["label"] for h in [*config["hypotheses"]["paths"], *config["hypotheses"]["indirect"]]}
    found.add(f"{len(config['model']['waves'])} weeks of the model")
    for key in ("introduction", "discussion"):
        # Citations render as author-year: compare the text between them.
        prose = folded(re.sub(r"[*`]", "", (root / study[key]).read_text()))
        found |= {s.strip() for s in re.split(r"(?<=[.!?]) |\[@[^\]]*\]", prose) if len(s.strip()) > 40}
    found.discard("")
    return found


def test_no_string_of_the_default_study_is_left(documents, default, trial2, repo_root):
    # A string of the default study that a string of this one contains cannot be absent.
    mine = study_strings(trial2, repo_root)
    theirs = {s for s in study_strings(default, repo_root) if not any(s in own for own in mine)}
    assert len(theirs) > 25 and "ERiCA" in theirs and "adolescents with depression" in theirs
    left = {name: sorted(s for s in theirs if s in text) for name, text in documents.items()}
    assert not any(left.values()), left
    for name, text in documents.items():  # raters of the default trial, in any wording
        for own in sorted(mine, key=len, reverse=True):
            text = text.replace(own, " ")
        assert not re.search(r"\b(patients?|therapists?)\b", text, re.I), name


def test_every_string_of_its_own_study_is_there(documents, trial2, repo_root):
    mine = study_strings(trial2, repo_root)
    missing = sorted(s for s in mine if s not in documents["index.html"])
    assert not missing, missing
    # The PDF's text interleaves table cells: its prose strings only.
    prose = {trial2["study"][key] for key in ("name", "participants")}
    prose |= {inst["name"] for inst in trial2["instruments"].values()}
    def squeezed(text):  # line-end hyphenation of the PDF undone
        return re.sub(r"[\s-]", "", text)

    pdf_missing = sorted(s for s in prose if squeezed(s) not in squeezed(documents["index.pdf"]))
    assert not pdf_missing, pdf_missing


def expected_sign(hypothesis: dict, config: dict) -> int:
    """Written out here, not taken from the workflow: positive means better with
    better, and a higher-is-worse scale at either end turns the sign."""
    instrument = {p["name"]: p["instruments"][0] for p in config["processes"]}
    path = hypothesis["path"] if "path" in hypothesis else [hypothesis["from"], hypothesis["to"]]
    sign = 1 if hypothesis["sign"] == "positive" else -1
    for end in (path[0], path[-1]):
        sign *= 1 if config["instruments"][instrument[end]]["higher_is_better"] else -1
    return sign


def test_verdicts_follow_the_declared_directions(built, trial2):
    claims = pd.read_csv(built / "results" / "tables" / "claims.csv", keep_default_na=False)
    hypotheses = [*trial2["hypotheses"]["paths"], *trial2["hypotheses"]["indirect"]]
    assert list(claims["Hypothesis"]) == [h["label"] for h in hypotheses]
    # alliance -> regulation on a difficulties scale: a theory-consistent effect is negative
    assert [expected_sign(h, trial2) for h in hypotheses] == [-1, 1, -1, -1]
    for h, (_, row) in zip(hypotheses, claims.iterrows()):
        sign = expected_sign(h, trial2)
        assert row["Expected sign of the estimate"] == ("+" if sign > 0 else "−")
        estimate = float(row["Estimate"])
        if row["Verdict"] == "supported":
            assert estimate * sign > 0
        elif row["Verdict"] == "contradicted":
            assert estimate * sign < 0
        else:
            assert row["Verdict"].startswith("not supported"), row["Verdict"]
    assert "supported" in set(claims["Verdict"])
    # The one strong effect of the population: alliance -> fewer difficulties.
    row = claims.set_index("Hypothesis").loc["A stronger alliance is followed by better emotion regulation"]
    assert row["Verdict"] == "supported" and float(row["Estimate"]) < 0


def test_missing_by_design_is_not_missing_data(built, trial2):
    n, weeks = trial2["synthetic"]["n_per_arm"], len(trial2["instruments"]["wai_client"]["weeks"])
    quality = pd.read_csv(built / "results" / "tables" / "data_quality.csv").set_index("Instrument")
    alliance = quality.loc["Working alliance (client)"]
    assert alliance["Not applicable (not given in the arm)"] == n * weeks  # the waitlist, every week
    assert (quality.drop(index="Working alliance (client)")["Not applicable (not given in the arm)"] == 0).all()
    scores = pd.read_csv(built / "results" / "scores" / "scores_long.csv", keep_default_na=False)
    wait = scores[(scores["instrument"] == "wai_client") & (scores["arm"] == "WAIT")]
    assert len(wait) == n * weeks and not wait["applicable"].any()
    exclusions = pd.read_csv(built / "results" / "scores" / "exclusions.csv")
    assert not ((exclusions["instrument"] == "wai_client") & (exclusions["arm"] == "WAIT")).any()
    assert alliance["Scores missing"] == len(exclusions[exclusions["instrument"] == "wai_client"])
    retention = pd.read_csv(built / "results" / "measurement" / "retention.csv")
    wai = retention[retention["instrument"] == "wai_client"]
    assert (wai["not_applicable"] == n).all() and (wai["pct_missing"] < 50).all()


def test_the_export_as_configured(built, trial2):
    """Renamed key columns and an ignored export column in every raw file; the
    auxiliary instrument is validated, scored, counted and hashed, not modelled."""
    columns = trial2["data"]["columns"]
    for inst in trial2["instruments"].values():
        header = (built / "resources" / "synthetic" / "raw" / inst["file"]).read_text().splitlines()[0].split(",")
        assert header[:4] == [columns[k] for k in ("id", "arm", "week", "rater")] and "completed_at" in header
    intake = pd.read_csv(built / "results" / "data" / "intake.csv")
    assert "gad7" in set(intake["instrument"])
    assert "gad7" in set(pd.read_csv(built / "results" / "scores" / "scores_long.csv")["instrument"])
    provenance = (built / "results" / "provenance.json").read_text()
    assert "gad7.csv" in provenance
    models = sorted(p.name for p in (built / "results" / "models").iterdir())
    assert models == ["riclpm_wai_client"]
    wide = pd.read_csv(built / "results" / "scores" / "wide_panel.csv", nrows=1)
    assert any(c.startswith("gad7_") for c in wide.columns)


def test_make_verify_passes_against_its_own_reference(built, snakemake, trial2_args):
    result = snakemake(built, "--cores", "2", "verify", *trial2_args())
    out = result.stdout + result.stderr
    assert re.search(r"^VERIFIED: (\d+) reported numbers checked; \1 pass$", out, re.M), out[-2000:]
    assert "PASS manuscript/_variables.yml > models.wai_client.lagged.b_M_W [1]" in out
