"""A stand-in for the `quarto` command (1.7) in the tests, where Quarto cannot be installed.

It keeps the part of Quarto's contract that the project's render path relies on, as
Quarto's documentation and a real run of Quarto 1.7.34 on this manuscript showed it
(../shared/evidence/quarto-1.7.34/), and it refuses what Quarto refuses:

- `--to` takes one format name (html, typst, docx, pdf) or `all`; anything else, a
  comma list included, is "ERROR: Unknown format ..." and exit 1. `pdf` needs LaTeX.
- Every render makes `.quarto/` in the project and, like Quarto's ensureGitignore,
  adds `/.quarto/` to the project's .gitignore, or creates one inside a git repository.
- A render of the whole project cleans its output folder first (not with --no-clean).
- In a `type: manuscript` project only the article is a document; any other .qmd is a
  notebook of it: `<stem>-preview.html`, `<stem>.out.ipynb` and a copy of the .qmd,
  with its @fig-/@tbl- references as citations not found, and no PDF or DOCX.
- HTML without `embed-resources: true` links a `site_libs/` folder written beside it;
  a manuscript article (or `google-scholar: true`) copies the abstract, shortcodes
  unexpanded, into a citation_abstract meta tag.
- Typst without `citeproc: true` uses Typst's own citations: the reference list moves
  to a "Bibliography" at the very end and the `#refs` section stays empty.
- A callout that reaches Quarto's Typst writer imports @preview/fontawesome, which
  fails offline; a filter at `pre-ast` that turns callouts into something else keeps
  them from it (the stand-in runs such filters through pandoc to find out).

The documents themselves are rendered by panelreport's pandoc/typst fallback, so their
content agrees with the fallback's wherever Quarto's contract does not say otherwise.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pypandoc
import yaml

from panelreport import render as fallback
from paneltools.lock import QUARTO_VERSION
SUFFIXES = {"html": ".html", "typst": ".pdf", "docx": ".docx", "pdf": ".pdf"}
# panelreport's names of Quarto's formats.
OURS = {quarto: ours for ours, quarto in fallback.QUARTO_FORMATS.items()}
# Reports a callout that the filters before it left as a Div.
CALLOUT_PROBE = """
function Div(div)
  for _, class in ipairs(div.classes) do
    if class == "callout" or class:match("^callout%-") then io.stderr:write("CALLOUT\\n") end
  end
end
"""


class QuartoError(Exception):
    """What Quarto prints as ERROR and exits 1 with."""


def find_project(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / "_quarto.yml").exists():
            return candidate
    return None


def ensure_scratch(project: Path) -> None:
    (project / ".quarto" / "xref").mkdir(parents=True, exist_ok=True)
    gitignore = project / ".gitignore"
    if gitignore.exists():
        lines = [line.strip() for line in gitignore.read_text().splitlines()]
        if "/.quarto/" not in lines:
            gitignore.write_text("\n".join([*lines, "/.quarto/"]) + "\n")
    elif subprocess.run(["git", "rev-parse"], cwd=project, capture_output=True).returncode == 0:
        gitignore.write_text("/.quarto/\n")


def declared_formats(config: dict, front: dict) -> list[str]:
    names = [*(config.get("format") or {}), *(front.get("format") or {})]
    return list(dict.fromkeys(names)) or ["html"]


def resolve_formats(to: str | None, declared: list[str]) -> list[str]:
    if to is None or to == "all":
        return declared
    if to not in SUFFIXES:
        raise QuartoError(f"Unknown format {to}")
    return [to]


def pre_ast_filters(options: dict, project: Path) -> list[Path]:
    entries = [e for e in fallback.as_list(options.get("filters")) if isinstance(e, dict) and e.get("at") == "pre-ast"]
    paths = [project / e["path"] for e in entries]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise QuartoError(f"Could not find filter {missing[0]}")
    return paths


def callouts_reach_typst(body: str, filters: list[Path], project: Path) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.lua"
        probe.write_text(CALLOUT_PROBE)
        command = [pypandoc.get_pandoc_path(), "--from=markdown", "--to=typst",
                   *(f"--lua-filter={f}" for f in [*filters, probe])]
        result = subprocess.run(command, input=body.encode(), cwd=project, capture_output=True)
    if result.returncode != 0:
        raise QuartoError(f"pandoc failed:\n{result.stderr.decode()}")
    return b"CALLOUT" in result.stderr


def copy_project(project: Path, dest: Path, output_dir: str) -> Path:
    left_out = {".quarto", output_dir}
    shutil.copytree(project, dest, ignore=lambda folder, names: left_out & set(names) if Path(folder) == project else [])
    return dest


def typst_native_citations(text: str) -> str:
    """The document as Typst's citation engine lays it out: the list at the very end."""
    text = text.replace("::: {#refs}\n:::", "")
    return text.rstrip("\n") + "\n\n# Bibliography {.unnumbered}\n\n::: {#refs}\n:::\n"


def notebook_preview(doc: Path, out_dir: Path, body: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for ref in sorted(set(re.findall(r"@((?:fig|tbl)-[\w-]+)", body))):
        print(f"[WARNING] Citeproc: citation {ref} not found", file=sys.stderr)
    (out_dir / f"{doc.stem}-preview.html").write_text(f"<html><body>{html.escape(body)}</body></html>")
    (out_dir / f"{doc.stem}.out.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    shutil.copyfile(doc, out_dir / doc.name)


def render_document(doc: Path, project: Path, config: dict, fmt: str, out_dir: Path) -> Path:
    if fmt == "pdf":
        raise QuartoError("No TeX installation was detected. (format pdf renders through LaTeX; "
                          "the typst format renders PDF without it)")
    front, _ = fallback.split_front_matter(doc.read_text(), doc)
    options = fallback.document_metadata(project, front, OURS[fmt])
    variables_file = project / "_variables.yml"
    variables = fallback.load_yaml(variables_file) if variables_file.exists() else {}
    output_dir = (config.get("project") or {}).get("output-dir", "_build")
    manuscript = (config.get("project") or {}).get("type") == "manuscript"
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_project(project, Path(tmp) / "project", output_dir)
        source = copy / doc.relative_to(project)
        if fmt == "typst":
            body = fallback.expand(doc, project, variables)
            if callouts_reach_typst(body, pre_ast_filters(options, project), project):
                raise QuartoError("error: failed to download package (@preview/fontawesome:0.1.0): "
                                  "network unreachable")
            if not options.get("citeproc"):
                source.write_text(typst_native_citations(source.read_text()))
        rendered = Path(tmp) / "out"
        rendered.mkdir()
        written = fallback.render_fallback(copy, rendered, [OURS[fmt]], doc.relative_to(project).as_posix())
        produced = written[OURS[fmt]]
        if fmt == "html":
            page = produced.read_text(encoding="utf-8")
            head = ""
            if manuscript or options.get("google-scholar"):
                head += f'<meta name="citation_abstract" content="{html.escape(str(front.get("abstract", "")))}">\n'
            if not options.get("embed-resources"):
                head += '<link href="site_libs/bootstrap/bootstrap.min.css" rel="stylesheet">\n'
                (out_dir / "site_libs" / "bootstrap").mkdir(parents=True, exist_ok=True)
                (out_dir / "site_libs" / "bootstrap" / "bootstrap.min.css").write_text("")
            produced.write_text(page.replace("</head>", head + "</head>", 1), encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"{doc.stem}{SUFFIXES[fmt]}"
        shutil.copyfile(produced, target)
    return target


def render(target: Path, to: str | None, output_dir: Path | None, clean: bool) -> None:
    if not target.exists():
        raise QuartoError(f"{target} does not exist")
    project = find_project(target if target.is_dir() else target.parent)
    if project is None:
        raise QuartoError("the stand-in renders only documents inside a project (_quarto.yml)")
    config = fallback.project_config(project)
    ensure_scratch(project)
    settings = config.get("project") or {}
    out_dir = output_dir or project / settings.get("output-dir", ".")
    whole = target.is_dir()
    docs = sorted(p for p in project.glob("*.qmd") if not p.name.startswith(("_", "."))) if whole else [target]
    if whole and clean and out_dir.exists() and out_dir != project:
        shutil.rmtree(out_dir)
    article = project / (config.get("manuscript") or {}).get("article", "index.qmd")
    for i, doc in enumerate(docs, 1):
        if whole:
            print(f"[{i}/{len(docs)}] {doc.name}", file=sys.stderr)
        front, body = fallback.split_front_matter(doc.read_text(), doc)
        formats = resolve_formats(to, declared_formats(config, front))
        if settings.get("type") == "manuscript" and doc != article:
            if "html" in formats:
                notebook_preview(doc, out_dir, body)
            continue
        for fmt in formats:
            written = render_document(doc, project, config, fmt, out_dir)
            print(f"Output created: {written}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        print(QUARTO_VERSION)
        return 0
    try:
        if not args or args[0] != "render":
            raise QuartoError("the stand-in implements `quarto render` and `quarto --version` only")
        target, to, output_dir, clean = None, None, None, True
        rest = iter(args[1:])
        for arg in rest:
            if arg == "--to":
                to = next(rest)
            elif arg == "--output-dir":
                output_dir = Path(next(rest)).resolve()
            elif arg == "--no-clean":
                clean = False
            elif arg.startswith("-") or target is not None:
                raise QuartoError(f"the stand-in does not implement {arg}")
            else:
                target = Path(arg).resolve()
        render(target or Path.cwd(), to, output_dir, clean)
    except (QuartoError, fallback.ManuscriptError) as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    return 0


def install(bin_dir: Path) -> Path:
    """Write a `quarto` executable into bin_dir that runs this stand-in; for PATH in tests."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    exe = bin_dir / "quarto"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m paneltools.quarto_standin "$@"\n')
    exe.chmod(0o755)
    return exe


if __name__ == "__main__":
    sys.exit(main())
