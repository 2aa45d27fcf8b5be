"""One end-to-end build at reduced size: every stage runs, reruns do nothing, CSVs are stable."""

import base64
import copy
import filecmp
import json
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory, copy_workflow, snakemake, small_args) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("e2e") / "wf")
    snakemake(workdir, "--cores", "2", "all", "results/verification/reported.csv", *small_args())
    return workdir


@pytest.fixture(scope="module")
def small(repo_root) -> dict:
    return yaml.safe_load((repo_root / ".test/small/config.yaml").read_text())


def test_paper_is_built(built, small):
    build = built / "manuscript" / "_build"
    for name in ("index.html", "index.pdf", "index.docx"):
        assert (build / name).stat().st_size > 10_000, name
    variables = yaml.safe_load((built / "manuscript" / "_variables.yml").read_text())
    assert variables["sample"]["n"] == 2 * small["synthetic"]["n_per_arm"]
    html = " ".join((build / "index.html").read_text().split())  # pandoc wraps source lines
    assert "Synthetic data" in html
    patient = variables["models"]["sai_patient"]
    assert patient["lagged"]["b_D_E"] in html and patient["direction"]["b_D_E"] in html
    assert patient["indirect"]["b_E_A__b_D_E"] in html
    claims = (built / "results" / "tables" / "claims.csv").read_text()
    assert claims.count("\n") == 1 + len(small["hypotheses"]["paths"]) + 2 and "supported" in claims
    # Latent and pseudo-true values beside each other; the therapist-rated model has no latent value.
    truth = json.loads((built / "resources" / "synthetic" / "truth.json").read_text())
    therapist = truth["pseudo_true"]["models"]["sai_therapist"]["observed scores"]["b_D_A"]
    assert therapist["latent"] is None and therapist["pseudo_true"] < 0
    assert truth["pseudo_true"]["n"] == 2 * small["pseudo_true"]["n_per_arm"]
    shown = (built / "manuscript" / "_generated" / "tables" / "claims.md").read_text()
    assert "Latent value (covered)" in shown and "Pseudo-true value (covered)" in shown and "| n/a |" in shown
    replicates = (built / "results" / "bootstrap" / "riclpm_sai_patient" / "replicates.csv").read_text()
    assert replicates.count("\n") == 1 + small["bootstrap"]["replications"]
    assert variables["provenance"]["commit"] in html or "not a git checkout" in html
    pdf_text = " ".join(page.extract_text() for page in PdfReader(build / "index.pdf").pages)
    assert "Synthetic data" in pdf_text
    assert re.search(r"Table\s+\d", pdf_text) and re.search(r"Figure\s+\d", pdf_text)


def test_supplement_reports_the_recovery_study(built, small):
    build = built / "manuscript" / "_build"
    variables = yaml.safe_load((built / "manuscript" / "_variables.yml").read_text())["recovery"]
    assert variables["replications"] == small["recovery"]["replications"]
    assert variables["bootstrap"] == small["recovery"]["bootstrap"]
    html = " ".join((build / "supplement.html").read_text().split())
    for key in ("lagged", "indirect", "precision", "convergence", "indicators"):
        assert variables[key] in html, key
    assert 'id="tbl-recovery"' in html and 'id="fig-recovery"' in html and 'id="tbl-pseudo_true"' in html
    table = (built / "results" / "tables" / "recovery.csv").read_text().splitlines()
    # Scores: nine lagged effects, the indirect effect with two intervals; indicators: nine, and one.
    assert len(table) == 1 + 9 + 2 + 9 + 1
    replications = (built / "results" / "recovery" / "replications.csv").read_text().splitlines()
    assert len(replications) == (1 + small["recovery"]["replications"] * (9 + 2)
                                 + small["recovery"]["indicator_replications"] * (9 + 1))
    pdf_text = " ".join(page.extract_text() for page in PdfReader(build / "supplement.pdf").pages)
    assert "Supplement" in pdf_text and re.search(r"Table\s+1", pdf_text)


@pytest.mark.needs("poppler")
@pytest.mark.parametrize("article", ["index.qmd", "supplement.qmd"])
def test_every_table_of_the_built_pdfs_fits_its_page(built, article):
    from paneltools.tablefit import check

    assert [str(o) for o in check(built / "manuscript", article)] == []


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


def test_another_seed_changes_the_reported_numbers(built, tmp_path, copy_workflow, snakemake, small_args):
    workdir = copy_workflow(tmp_path / "wf")
    (tmp_path / "seed.yaml").write_text("seed: 7\n")
    snakemake(workdir, "--cores", "2", *small_args(tmp_path / "seed.yaml"))
    html, _ = rendered_text(workdir)
    ours, theirs = key_numbers(built), key_numbers(workdir)
    assert all(number in html for number in theirs)
    assert ours[:3] != theirs[:3]


def test_provenance_hashes_inputs(built):
    import json

    from panelreport.provenance import sha256_file

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


def test_report_captions_every_figure_and_table(built, tmp_path, snakemake, small_args, small):
    """`snakemake --report` gives one HTML file embedding every PNG figure and every
    results table, each with the caption of workflow/report/{figure,table}_<name>.rst."""
    report = tmp_path / "report.html"
    snakemake(built, "--report", str(report), *small_args())
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
    replications = small["bootstrap"]["replications"]
    assert f"{replications} participant bootstrap resamples" in captions["results/figures/bootstrap.png"]
    assert f"seed = {small['seed']}" in captions["results/tables/indirect.csv"]
    description = plain(report_script(page, "workflow-desc"))
    assert "RI-CLPM workflow" in description and "System Message" not in description
    assert f"{small['synthetic']['n_per_arm']} participants per arm" in description


def test_rerun_does_nothing(built, snakemake, small_args):
    result = snakemake(built, "--cores", "2", *small_args())
    assert "Nothing to be done" in result.stdout + result.stderr


# --- every config leaf reruns exactly the rules that use it -------------------------
#
# Rule scripts read no config: each rule's params carry the config values its script
# uses (workflow/rules/common.smk), so Snakemake's params trigger reruns what a change
# touches. The table below is an audit of the rule scripts, written by hand: for each
# leaf of the config, the rules that read it. The test changes one leaf at a time (to
# another valid value) and asks Snakemake which rules the change reaches directly.

# Leaves with a single legal value, which no valid config can change, and leaves this
# build cannot change without a file it does not have.
FIXED = {
    "schema_version": "the workflow reads schema 2 only",
    "model.lagged": "'free' is refused for the main model (config check)",
    "data.ignore_files": "in synthetic mode the raw folder holds the generated files only; an ignored file is "
                         "hashed by provenance (the hand-written real-data build lists two)",
}


def leaves(tree, prefix=""):
    """Dotted paths of the config's leaves; a list of records is indexed (processes.0.name),
    a list of scalars or of lists is one leaf, and so is an empty mapping (data.id_map)."""
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(tree, list) and tree and all(isinstance(item, dict) for item in tree):
        for i, item in enumerate(tree):
            yield from leaves(item, f"{prefix}.{i}")
    else:
        yield prefix


def get(config, path):
    value = config
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value


def put(config, path, value):
    *parents, last = path.split(".")
    target = get(config, ".".join(parents)) if parents else config
    target[int(last) if isinstance(target, list) else last] = value


def changed(value, path):
    """Another valid value for a leaf, of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value - 1 if path.endswith(("min_items", "min_domains")) else value + 1
    if isinstance(value, float):
        return value * 0.9
    if isinstance(value, str):
        return f"x{value}" if path.endswith(".file") else f"{value}x"
    if not value:
        return ["xx"]
    if isinstance(value[0], list):  # matrices: shrink, and keep correlation diagonals at 1
        return [[1.0 if i == j and path.endswith("correlation") else 0.9 * v
                 for j, v in enumerate(row)] for i, row in enumerate(value)]
    if isinstance(value[0], (int, float)):
        if path.endswith("waves"):
            return value[:-1]
        if path.endswith("weeks"):
            return [*value, max(value) + 1]
        return [0.9 * v for v in value]
    return [*value, "xx"] if path.endswith(("items", "missing_values", "exclude")) else [*value[:-1], f"{value[-1]}x"]


def rename_process(config, old, new):
    for process in config["processes"]:
        if process["name"] == old:
            process["name"] = new
    for h in config["hypotheses"]["paths"]:
        h["from"], h["to"] = (new if x == old else x for x in (h["from"], h["to"]))
    for h in config["hypotheses"]["indirect"]:
        h["path"] = [new if x == old else x for x in h["path"]]
    for section, key in ((config["study"], "outcome"), (config["synthetic"]["missingness"], "driver"),
                         (config["power"]["attrition"], "driver")):
        if section[key] == old:
            section[key] = new


def rename_arm(config, old, new):
    for arm in config["data"]["arms"]:
        if arm["name"] == old:
            arm["name"] = new
    for key in ("arms", "multigroup"):
        config["model"][key] = [new if a == old else a for a in config["model"][key]]


def rehome(inst, item, neighbour):
    """Put item in the parcel of `neighbour` (a domain's items must share a parcel)."""
    for parcel in inst["parcels"]:
        if item in parcel:
            parcel.remove(item)
    next(parcel for parcel in inst["parcels"] if neighbour in parcel).append(item)


def mutated(config, path):
    """config with `path` changed (and what it needs with it to stay valid)."""
    out = copy.deepcopy(config)
    value = get(out, path)
    parts = path.split(".")
    inst = out["instruments"][parts[1]] if parts[0] == "instruments" else None
    names = [p["name"] for p in out["processes"]]
    if path == "data.source":  # real-data mode on the same files
        out["data"].update(source="raw", raw_dir="resources/synthetic/raw")
    elif path.startswith("data.arms.") and path.endswith(".name"):
        rename_arm(out, value, f"{value}x")
    elif path.startswith("processes.") and path.endswith(".name"):
        rename_process(out, value, f"{value}x")
    elif path.startswith("processes.") and path.endswith(".short"):
        put(out, path, f"{value}x")
    elif path.startswith("processes.") and path.endswith(".instruments"):
        if len(value) > 1:
            put(out, path, list(reversed(value)))  # another primary model
        else:  # swap instruments with the next single-instrument process
            other = next(p for p in out["processes"] if len(p["instruments"]) == 1 and p["instruments"] != value)
            put(out, path, other["instruments"])
            other["instruments"] = value
    elif path.endswith((".from", ".to")):  # a path no hypothesis has yet
        hypothesis = get(out, path.rsplit(".", 1)[0])
        taken = {(h["from"], h["to"]) for h in out["hypotheses"]["paths"]}
        other = "to" if path.endswith(".from") else "from"
        put(out, path, next(n for n in names if n != value and
                            ((n, hypothesis[other]) if other == "to" else (hypothesis[other], n)) not in taken))
    elif path in ("study.outcome", "synthetic.missingness.driver", "power.attrition.driver"):
        put(out, path, next(n for n in reversed(names) if n != value))
    elif path == "power.n_per_arm":
        put(out, path, [*value, max(value) + 50])
    elif path == "power.population":  # {}: the synthetic population; one planned effect of its own
        put(out, path, {"item_loading": 0.7})
    elif path == "power.simulate":
        put(out, path, "scores" if value == "items" else "items")
    elif path == "verification.documents":
        put(out, path, ["paper", "planning"])
    elif path.endswith(".sign"):
        put(out, path, "negative" if value == "positive" else "positive")
    elif path.startswith("hypotheses.") and path.endswith(".instruments"):
        put(out, path, value[:1] if len(value) > 1 else ["sai_therapist"])
    elif path.endswith(".path"):
        put(out, path, list(reversed(value)))
    elif path == "hypotheses.correction":
        put(out, path, "none")
    elif path == "model.se":
        put(out, path, "robust" if value == "standard" else "standard")
    elif path in ("model.arms", "model.multigroup"):
        out["model"]["multigroup"] = value[:1]
        put(out, path, value[:1])
    elif path in ("study.introduction", "study.discussion"):
        put(out, path, "manuscript/study/" + ("discussion.md" if path.endswith("introduction") else "introduction.md"))
    elif path == "study.bibliography":
        put(out, path, "manuscript/references.bib")
    elif path == "study.citations":
        put(out, path, ["rush2003"])
    elif path == "data.ignore_columns":
        put(out, path, ["completed_at"])
    elif path == "data.id_map":
        put(out, path, {"X001": "P001"})
    elif path.endswith(".score") and value == "mean":  # one domain per parcel, so that the parcels stay valid
        inst.update(score="domains", domains={f"d{j}": list(p) for j, p in enumerate(inst["parcels"])},
                    min_domains=1)
    elif path.endswith(".score"):
        inst.update(score="mean", min_items=len(inst["items"]) // 2)
    elif ".domains." in path and len(value) == 1:
        # A one-item domain takes the last item of the largest domain (and its parcel follows).
        donor = max(inst["domains"], key=lambda d: len(inst["domains"][d]))
        moved = inst["domains"][donor].pop()
        put(out, path, [*value, moved])
        rehome(inst, moved, value[0])
    elif ".domains." in path:  # its last item moves to another domain (and its parcel follows)
        put(out, path, value[:-1])
        receiving = next(items for domain, items in inst["domains"].items() if domain != parts[-1])
        receiving.append(value[-1])
        rehome(inst, value[-1], receiving[0])
    elif path.endswith(".parcels"):  # the same parcels, another order
        put(out, path, [value[1], value[0], *value[2:]])
    elif path.endswith(".reverse"):
        put(out, path, [inst["items"][0]] if not value else [])
    elif path.endswith(".items") and "domains" in inst:  # the new item joins a domain, and its parcel
        put(out, path, changed(value, path))
        first = next(iter(inst["domains"].values()))
        first.append("xx")
        rehome(inst, "xx", first[0])
    elif path.endswith(".items"):  # the new item joins the first parcel
        put(out, path, changed(value, path))
        inst["parcels"][0].append("xx")
    else:
        put(out, path, changed(value, path))
    return out


def rules_reading(path, config):
    """The rules whose params use a leaf (the audit of workflow/rules/*.smk), besides
    provenance, which hashes the whole config."""
    parts = path.split(".")
    item = parts[-1]
    key = parts[1] if parts[0] == "instruments" else None
    processes = config["processes"]
    multi = {k for p in processes if len(p["instruments"]) > 1 for k in p["instruments"]}
    primary = {p["instruments"][0] for p in processes}
    negative = any(h["sign"] == "negative" for h in [*config["hypotheses"]["paths"], *config["hypotheses"]["indirect"]])
    text = {"manuscript_text"}  # the method section describes the design (panelreport.text)
    # The synthetic trial's analysis: scored (and parcelled) like the main data; validate
    # scores the data too, for the checks before any model.
    scoring = {"score", "measurement", "recovery_chunk", "pseudo_true", "parcels", "validate"}
    # What tells one model from another: wildcards, labels and sets of fits.
    per_model = {"fit_riclpm", "bootstrap_chunk", "indirect", "sensitivity", "tables", "claims",
                 "bootstrap_figure", "model_figures", "variables"} | text
    fits = {"fit_riclpm", "bootstrap_chunk", "sensitivity"}
    if path == "seed":
        return {"simulate", "bootstrap_chunk", "indirect", "individual_figure", "variables", "recovery_chunk",
                "pseudo_true"}
    if parts[0] == "study":
        if item in ("name", "title", "subtitle", "authors", "participants", "design"):
            return {"variables"} | text
        if item == "outcome":
            return {"tables", "variables"} | text
        return text  # citations, introduction, discussion, bibliography
    if path == "data.source":  # the truth file, the sentences on the data, privacy rules, the figure list
        return {"claims", "tables", "variables"} | text
    if path == "data.raw_dir":  # read only in real-data mode
        return set()
    if parts[:2] == ["data", "columns"]:
        return {"simulate", "validate", "recovery_chunk", "pseudo_true"}
    if parts[:2] == ["data", "arms"]:
        if item == "label":
            return {"tables"}
        # a renamed arm is renamed in model.arms and model.multigroup too
        return {"simulate", "validate", "tables", "recovery_chunk", "pseudo_true"} | fits | text
    if path in ("data.missing_values", "data.normalise_ids", "data.id_map"):
        return {"validate"}
    if path == "data.ignore_columns":  # the generator writes them as an export has them
        return {"simulate", "validate", "recovery_chunk", "pseudo_true"}
    if key is not None:
        if item == "label":  # the models' labels come from the instruments that tell them apart
            return ({"measurement", "tables", "figures"} | text | ({"individual_figure"} if key in primary else set())
                    | ({"claims", "bootstrap_figure", "model_figures", "variables", "recovery"} if key in multi
                       else set()))
        if item in ("name", "citation"):
            return text
        if item == "higher_is_better":
            return {"tables", "claims", "variables"} | text
        if item == "file":
            return {"simulate", "validate"}
        if item == "rater":
            return {"simulate", "validate", "recovery_chunk", "pseudo_true"} | text
        if item in ("items", "item_min", "item_max"):
            return {"simulate", "validate"} | scoring | text
        if item == "weeks":  # a later week: the first, which the sample table shows, stays
            return {"simulate", "validate"} | scoring
        if item == "reverse":
            return {"simulate"} | scoring
        if item in ("min_items", "min_domains"):
            return scoring | text
        if item == "score" or ".domains." in path:
            return {"simulate"} | scoring | text
        if item == "parcels":  # reordered: the same number, so the models' indicators keep their names
            return {"parcels", "pseudo_true", "recovery_chunk"}
    if parts[0] == "processes":
        if item == "name":  # renamed in the hypotheses, study.outcome and the missingness driver too
            return {"simulate", "measurement", "recovery_chunk", "recovery", "claims", "pseudo_true",
                    "variables"} | text
        if item == "short":  # the parameter names
            return ({"recovery_chunk", "recovery", "indirect", "tables", "claims", "bootstrap_figure", "model_figures",
                     "variables", "pseudo_true"} | fits | text)
        if item == "label":
            return {"tables", "claims", "bootstrap_figure", "model_figures", "variables"} | text
        if item == "better" or (item == "worse" and negative):  # the hypotheses' words
            return {"tables", "claims", "variables"} | text
        if item == "worse":  # the direction of an estimate in words
            return {"tables", "variables"} | text
        if item == "instruments":
            # Several: reversed, the same models with another first (plotted, simulated,
            # recovered). One: swapped with another process's, each model measures
            # two processes with other instruments.
            reached = ({"simulate", "recovery_chunk", "individual_figure", "tables", "claims", "variables",
                        "pseudo_true"} | text)
            if len(processes[int(parts[1])]["instruments"]) > 1:  # the first model, the recovery's, is another
                return reached | {"bootstrap_figure", "model_figures", "recovery"}
            return reached | {"measurement"} | fits
    if parts[0] == "hypotheses":
        if path in ("hypotheses.correction", "hypotheses.alpha"):
            return {"claims"} | ({"variables"} if item == "correction" else set()) | (text if item == "correction"
                                                                                    else set())
        if item == "label":
            return {"claims"} | text
        if item in ("sign", "instruments"):
            return {"claims"} | text
        # from, to, path: which parameters are hypothesised
        users = {"claims", "sensitivity", "variables"} | text
        if parts[1] == "indirect":
            users |= {"bootstrap_chunk", "indirect", "bootstrap_figure", "recovery_chunk", "pseudo_true"}
        return users
    if path == "model.waves":
        return ({"simulate", "validate", "measurement", "individual_figure", "tables", "variables",
                 "recovery_chunk", "pseudo_true"} | fits)
    if path == "model.arms":  # one arm left: none for the multigroup model either
        return {"validate", "tables", "recovery_chunk", "pseudo_true"} | fits | text
    if path == "model.multigroup":
        return {"sensitivity"} | text
    if path == "model.min_coverage":  # the checks before any model, and the multigroup model's per arm
        return {"validate", "sensitivity"}
    if path == "model.se":  # the text says which, from the fits' diagnostics
        return {"fit_riclpm", "sensitivity", "recovery_chunk"}
    if parts[0] == "synthetic":  # the latent values reach the recovery study through the pseudo-true table
        return {"simulate", "recovery_chunk", "pseudo_true"}
    if parts[0] == "pseudo_true":
        return {"pseudo_true"}
    if path == "bootstrap.replications":
        return {"bootstrap_chunk", "indirect"}
    if path == "monte_carlo.draws":
        return {"indirect", "recovery_chunk"}
    if parts[:2] == ["recovery", "check"]:  # make recovery-check only
        return set()
    if parts[0] == "recovery":
        return {"recovery_chunk", "recovery", "variables"}
    if parts[0] == "privacy":
        return {"tables", "variables"}
    if parts[0] == "power":
        return set()  # `make power` only: neither `all` nor the paper's reported values need its rules
    if path == "verification.documents":  # the planning document's numbers join the reported values
        return {"reported_values", "power_population", "power_analytic", "power_chunk", "power_summary"}
    if path == "verification.exclude":
        return {"reported_values"}
    if parts[0] == "verification":
        return set()  # verify runs with --forceall (make verify); not in this plan
    raise AssertionError(f"no audit entry for {path}: add the rules that read it")


def test_each_config_leaf_reruns_exactly_the_rules_that_use_it(built, small, tmp_path, repo_root):
    cases = {}
    for path in leaves(small):
        if path in FIXED:
            continue
        case = tmp_path / f"{path}.yaml"
        case.write_text(yaml.safe_dump(mutated(small, path), sort_keys=False))
        cases[path] = str(case)
    assert len(cases) > 150
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    harness = repo_root / "tests" / "workflow" / "rerun_decisions.py"
    run = subprocess.run([sys.executable, str(harness), str(built), str(tmp_path / "cases.json"),
                          str(tmp_path / "out.json")], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    decided = json.loads((tmp_path / "out.json").read_text())
    wrong = []
    for path in cases:
        expected = rules_reading(path, small) | {"provenance"}
        if set(decided[path]) != expected:
            wrong.append(f"{path}: Snakemake reruns {sorted(decided[path])}, the audit says {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


def test_editing_an_engine_module_reruns_the_fits_and_nothing_upstream(built, snakemake, small_args):
    engine = built / "scripts/panelsem/src/panelsem/optimise.py"
    engine.write_text(engine.read_text() + "\n")
    try:
        planned = snakemake(built, "--dry-run", *small_args()).stdout
    finally:
        engine.write_text(engine.read_text()[:-1])
    for rule in ("fit_riclpm", "bootstrap_chunk", "sensitivity", "recovery_chunk"):
        assert re.search(rf"^{rule}\s+\d+", planned, re.M), f"{rule} would not rerun"
    for rule in ("simulate", "validate", "score", "measurement"):
        assert not re.search(rf"^{rule}\s+\d+", planned, re.M), f"{rule} would rerun"


def test_clean_rebuild_gives_identical_csvs(built, tmp_path, snakemake, small_args):
    first = tmp_path / "first"
    shutil.copytree(built / "results", first)
    shutil.rmtree(built / "results")
    shutil.rmtree(built / "resources")
    snakemake(built, "--cores", "2", "all", "results/verification/reported.csv", *small_args())
    csvs = sorted(p.relative_to(first) for p in first.rglob("*.csv"))
    assert len(csvs) > 15
    _, mismatch, errors = filecmp.cmpfiles(first, built / "results", [str(p) for p in csvs], shallow=False)
    assert not mismatch and not errors, mismatch + errors


# Last in this file: they verify whatever the tests above left built (a clean rebuild).
def test_verify_passes_against_the_reduced_reference(built, snakemake, small_args):
    result = snakemake(built, "--cores", "2", "verify", *small_args())
    out = result.stdout + result.stderr
    passed = re.findall(r"^PASS ", out, re.M)
    assert re.search(r"^VERIFIED: (\d+) reported numbers checked; \1 pass$", out, re.M), out[-2000:]
    assert len(passed) > 500 and not re.search(r"^FAIL ", out, re.M)
    for name in ("manuscript/_variables.yml > models.sai_patient.lagged.b_D_A [1]", "results/tables/recovery.csv > ",
                 "results/tables/claims.csv > "):
        assert f"PASS {name}" in out, name


def test_verify_fails_on_an_edited_reference_number_and_names_it(built, tmp_path, snakemake, small_args, small):
    import pandas as pd

    reference = pd.read_csv(built / small["verification"]["reference"], dtype=str, keep_default_na=False)
    row = (reference["source"] == "manuscript/_variables.yml") & (reference["item"] == "models.sai_patient.lagged.b_D_A")
    original = reference.loc[row, "value"].iloc[0]  # "b = -0.xxx, 95% CI [...], p ..."
    estimate = re.search(r"b = (-?\d+\.\d+)", original)[1]
    edited = f"{float(estimate) + 0.001:.3f}"
    reference.loc[row, "value"] = original.replace(f"b = {estimate}", f"b = {edited}", 1)
    reference.to_csv(tmp_path / "edited.csv", index=False, lineterminator="\n")
    (tmp_path / "overlay.yaml").write_text(f"verification:\n  reference: {tmp_path / 'edited.csv'}\n")
    result = snakemake(built, "--cores", "2", "verify", *small_args(tmp_path / "overlay.yaml"), check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    failures = re.findall(r"^FAIL .*$", out, re.M)
    tolerance = small["verification"]["tolerance"]
    allowed = tolerance["absolute"] + tolerance["relative"] * abs(float(edited))
    assert failures == [f"FAIL manuscript/_variables.yml > models.sai_patient.lagged.b_D_A [1]: reference {float(edited):.10g}, "
                        f"rebuilt {float(estimate):.10g} (|diff| 0.001, allowed {allowed:.3g}) [drift]"], failures
    assert re.search(r"^NOT VERIFIED: \d+ reported numbers checked; 1 drift, \d+ pass$", out, re.M)
    assert not (built / "results/verification/verified.txt").exists()
