"""The Quarto path, against a stand-in `quarto` that keeps the real CLI's contract
(paneltools.quarto_standin), and the check that compares it with the fallback."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from panelreport.render import FILTERS, ManuscriptError, render
from paneltools import quarto_check, quarto_standin

DEMO = Path(__file__).parent / "manuscript_demo"
SUPPLEMENT = """---
title: "Demo supplement"
---

@tbl-extra has its own numbering.

| Item | Value |
|:-----|------:|
| Replications | 250 |

: Extra results {#tbl-extra}
"""


@pytest.fixture
def quarto(tmp_path, monkeypatch):
    """The stand-in as `quarto` on PATH."""
    exe = quarto_standin.install(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{exe.parent}:/usr/bin:/bin")
    return exe


def demo_copy(dest: Path, **replace: str) -> Path:
    """The demo project at `dest`, its filter path made to point at the package's filters."""
    shutil.copytree(DEMO, dest, symlinks=False)
    config = (dest / "_quarto.yml").read_text()
    config = config.replace("../../../scripts/panelreport/src/panelreport/filters/", f"{FILTERS}/")
    for old, new in replace.items():
        assert old in config
        config = config.replace(old, new)
    (dest / "_quarto.yml").write_text(config)
    (dest / "supplement.qmd").write_text(SUPPLEMENT)
    return dest


def listing(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def standin(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "paneltools.quarto_standin", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_the_standin_rejects_a_comma_list_after_to_as_quarto_does(tmp_path):
    demo = demo_copy(tmp_path / "demo")
    result = standin("render", str(demo), "--to", "html,typst,docx", cwd=tmp_path)
    assert result.returncode == 1
    assert "ERROR: Unknown format html,typst,docx" in result.stderr


def test_the_standin_writes_scratch_files_into_the_project_as_quarto_does(tmp_path):
    demo = demo_copy(tmp_path / "demo")
    assert standin("render", "index.qmd", "--to", "html", cwd=demo).returncode == 0
    assert {".quarto", "_build/index.html"} <= listing(demo)


def test_quarto_path_renders_each_format_and_leaves_the_sources_alone(tmp_path, quarto):
    demo = demo_copy(tmp_path / "demo")
    before = listing(demo)
    out = render(demo, tmp_path / "out")  # engine "auto": quarto is on PATH
    assert {fmt: p.name for fmt, p in out.items()} == {"html": "index.html", "pdf": "index.pdf", "docx": "index.docx"}
    assert listing(tmp_path / "out") == {"index.html", "index.pdf", "index.docx"}
    assert listing(demo) == before  # no .quarto/, no .gitignore, no intermediate files


def test_the_supplement_is_a_document_with_its_own_cross_references(tmp_path, quarto):
    demo = demo_copy(tmp_path / "demo")
    out = render(demo, tmp_path / "out", article="supplement.qmd")
    page = out["html"].read_text()
    assert "Table 1" in page and "Extra results" in page
    assert out["pdf"].exists() and out["docx"].exists()


def test_under_a_manuscript_project_the_supplement_is_only_a_notebook(tmp_path, quarto):
    """The negative control of the test above: Quarto's manuscript type, as before."""
    demo = demo_copy(tmp_path / "demo", **{"type: default": "type: manuscript"})
    with pytest.raises(ManuscriptError, match="wrote no supplement.html"):
        render(demo, tmp_path / "out", article="supplement.qmd")


def test_no_render_deletes_another_renders_outputs(tmp_path, quarto):
    demo = demo_copy(tmp_path / "demo")
    out = tmp_path / "out"
    render(demo, out, article="supplement.qmd")
    supplement = {p.name: p.read_bytes() for p in out.iterdir()}
    render(demo, out)  # the paper after the supplement, into the same folder
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in supplement} == supplement
    assert listing(out) == {f"{stem}.{ext}" for stem in ("index", "supplement") for ext in ("html", "pdf", "docx")}
    # A whole-project render, as the rule ran before, cleans the folder: what the above avoids.
    assert standin("render", str(demo), "--to", "html", "--output-dir", str(out), cwd=demo).returncode == 0
    assert "supplement.pdf" not in listing(out)


def test_typst_callouts_need_the_pre_ast_filter_to_stay_offline(tmp_path, quarto):
    demo = demo_copy(tmp_path / "demo")
    render(demo, tmp_path / "out", formats=("pdf",))
    config = (demo / "_quarto.yml").read_text()
    (demo / "_quarto.yml").write_text(config.replace("at: pre-ast", "at: post-render"))
    with pytest.raises(ManuscriptError, match="fontawesome"):
        render(demo, tmp_path / "out", formats=("pdf",))


def test_the_check_finds_quarto_and_the_fallback_in_agreement(tmp_path, quarto, capsys):
    demo = demo_copy(tmp_path / "demo")
    assert quarto_check.main([str(demo), "--out", str(tmp_path / "check")]) == 0
    assert "AGREE" in capsys.readouterr().out


@pytest.mark.parametrize("setting, finding", [
    ("citeproc: true", "the reference list differs"),  # Typst's own citations
    ("embed-resources: true", "loads site_libs/"),
    ("type: default", "wrote no supplement.html"),  # as `type: manuscript`
    ("at: pre-ast", "fontawesome"),  # callouts reach Quarto's Typst writer
])
def test_the_check_fails_when_quarto_is_configured_as_before(tmp_path, quarto, capsys, setting, finding):
    before = {"true": "false", "default": "manuscript", "pre-ast": "post-render"}
    demo = demo_copy(tmp_path / "demo", **{setting: " ".join(before.get(w, w) for w in setting.split(" "))})
    assert quarto_check.main([str(demo), "--out", str(tmp_path / "check")]) == 1
    assert finding in capsys.readouterr().out


def test_the_check_compares_numbers_tables_and_figures():
    quarto = quarto_check.Reading("Table 1: Sample N = 272 Figure 1: Paths see Table 1", "", 1, 1)
    same = quarto_check.Reading("Table 1: Sample N = 272 Figure 1: Paths see Table 1", "", 1, 1)
    assert quarto_check.compare("x", quarto, same) == []
    other = quarto_check.Reading("Table 1: Sample N = 271 see Table 1 ?@fig-paths", "{{< var n >}}", 2, 0)
    problems = " | ".join(quarto_check.compare("x", quarto, other))
    for finding in ("numbers differ", "1 tables under Quarto, 2", "images", "captions differ",
                    "cross-references differ", "unresolved reference '?@fig-paths'", "unexpanded shortcode"):
        assert finding in problems


def test_the_check_needs_quarto(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert quarto_check.main([str(DEMO)]) == 2


def test_environment_yml_pins_the_quarto_the_standin_stands_for(repo_root, tmp_path):
    version = standin("--version", cwd=tmp_path).stdout.strip()
    assert f"  - quarto={version}\n" in (repo_root / "environment.yml").read_text()
