"""Render the Quarto manuscript to HTML, PDF and DOCX.

With a `quarto` binary on PATH this runs `quarto render`, one document and one
format per call, on a snapshot of the project (render_quarto). Without one (these
machines, air-gapped servers) it renders the same sources with pandoc (from
pypandoc_binary) and typst (from the typst wheel). The fallback honours the
subset of Quarto the manuscript is allowed to use:

- ``{{< var a.b >}}`` from ``_variables.yml`` and ``{{< include file >}}``,
  expanded here as text before pandoc sees the document; a document whose front
  matter names a ``variables-file`` reads its variables from that file instead (with
  Quarto too: it becomes the ``_variables.yml`` of the copy Quarto renders), so a
  document that another target builds (the planning document of `make power`) need
  not wait for the paper's variables;
- ``#fig-``/``#tbl-`` labels and ``@fig-``/``@tbl-`` references
  (filters/crossref.lua);
- ``::: {.callout-*}`` boxes (filters/callout.lua);
- citations through ``--citeproc`` with the ``bibliography`` and ``csl`` named
  in the front matter or in ``_quarto.yml``;
- per-format options under ``format:`` (html, typst, docx) in ``_quarto.yml`` or
  the front matter: ``include-in-header`` and the page settings of the typst
  template (``papersize``, ``margin``, ``fontsize``).

docs/manuscript.md lists where the two paths still differ.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pypandoc
import typst
import yaml

FILTERS = Path(__file__).resolve().parent / "filters"
SUFFIXES = {"html": ".html", "pdf": ".pdf", "docx": ".docx"}
QUARTO_FORMATS = {"html": "html", "pdf": "typst", "docx": "docx"}
# Keys of _quarto.yml that configure Quarto itself rather than the document.
PROJECT_ONLY_KEYS = {"project", "manuscript", "format", "execute", "editor", "engine", "jupyter"}
# Format options that steer Quarto's own processing; the fallback does these its own way
# (its filters, citeproc and embedding are fixed), so they are not passed on as metadata.
QUARTO_RENDER_OPTIONS = {"filters", "citeproc", "embed-resources", "html-math-method", "keep-typ",
                         "include-in-header", "variables-file"}
VARIABLES = "_variables.yml"
# Document options that pandoc takes as command-line flags, not metadata.
FLAG_OPTIONS = {"toc": "--toc", "number-sections": "--number-sections"}

# {{{< ... >}}} is Quarto's escape for a literal shortcode; {{< name args >}} is a shortcode.
SHORTCODE = re.compile(r"\{\{\{<(?P<escaped>[^\n]*?)>\}\}\}|\{\{<\s*(?P<name>[\w-]+)\s*(?P<args>[^\n]*?)\s*>\}\}")
# The target of a Markdown image; the caption may hold one level of brackets (citations).
IMAGE = re.compile(r"!\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?(?P<path>[^)\s>]+)")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


class ManuscriptError(RuntimeError):
    """The manuscript sources cannot be rendered as written."""


# --- sources ---------------------------------------------------------------


def load_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ManuscriptError(f"{path}: invalid YAML: {err}") from err
    return data or {}


def project_config(manuscript_dir: Path) -> dict:
    path = manuscript_dir / "_quarto.yml"
    return load_yaml(path) if path.exists() else {}


def article_path(manuscript_dir: Path, article: str | None = None) -> Path:
    """The document to render: `article` if given (a supplement), else the project's article."""
    article = article or (project_config(manuscript_dir).get("manuscript") or {}).get("article", "index.qmd")
    return manuscript_dir / article


def lookup_variable(variables: dict, key: str, where: Path) -> str:
    value = variables
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ManuscriptError(f"{where}: unknown variable '{key}' (not in its variables file)")
        value = value[part]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (dict, list)):
        raise ManuscriptError(f"{where}: variable '{key}' is not a single value")
    return str(value)


def include_target(args: str, including: Path, manuscript_dir: Path) -> Path:
    name = args.strip().strip("\"'")
    # As in Quarto: a leading / is relative to the project, anything else to the including file.
    if name.startswith("/"):
        return manuscript_dir / name.lstrip("/")
    return including.parent / name


def expand_text(text: str, path: Path, manuscript_dir: Path, variables: dict, chain: tuple[Path, ...] = ()) -> str:
    """`text`, read from `path`, with include and var shortcodes expanded."""

    def replace(match: re.Match) -> str:
        if match["escaped"] is not None:
            return "{{<" + match["escaped"] + ">}}"
        name, args = match["name"], match["args"]
        if name == "var":
            return lookup_variable(variables, args.strip(), path)
        if name == "include":
            target = include_target(args, path, manuscript_dir)
            return expand(target, manuscript_dir, variables, (*chain, path)).rstrip("\n")
        raise ManuscriptError(f"{path}: shortcode '{name}' is not supported without Quarto")

    return SHORTCODE.sub(replace, text)


def expand(path: Path, manuscript_dir: Path, variables: dict, chain: tuple[Path, ...] = ()) -> str:
    """The text of `path` with include and var shortcodes expanded."""
    if path in chain:
        raise ManuscriptError(f"include cycle: {' -> '.join(str(p) for p in (*chain, path))}")
    if not path.exists():
        where = f"included from {chain[-1]}" if chain else "manuscript source"
        raise ManuscriptError(f"missing file {path} ({where})")
    return expand_text(path.read_text(encoding="utf-8"), path, manuscript_dir, variables, chain)


def expand_metadata(value, path: Path, manuscript_dir: Path, variables: dict):
    # As Quarto does: shortcodes in metadata are resolved after the YAML is parsed,
    # so a value containing ": " or quotes cannot break the front matter.
    if isinstance(value, str):
        return expand_text(value, path, manuscript_dir, variables)
    if isinstance(value, dict):
        return {k: expand_metadata(v, path, manuscript_dir, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_metadata(v, path, manuscript_dir, variables) for v in value]
    return value


def split_front_matter(text: str, where: Path) -> tuple[dict, str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match["yaml"]) or {}
    except yaml.YAMLError as err:
        raise ManuscriptError(f"{where}: invalid front matter: {err}") from err
    return meta, text[match.end():]


def format_options(source: dict, fmt: str | None) -> dict:
    """The options under `format: <quarto format>:` of _quarto.yml or a front matter."""
    if fmt is None:
        return {}
    options = (source.get("format") or {}).get(QUARTO_FORMATS[fmt])
    return options if isinstance(options, dict) else {}


def document_metadata(manuscript_dir: Path, front_matter: dict, fmt: str | None = None) -> dict:
    """The document's options for `fmt`, merged in Quarto's order: _quarto.yml, its
    `format: <fmt>` options, the front matter, the front matter's `format: <fmt>` options."""
    config = project_config(manuscript_dir)
    meta = {k: v for k, v in config.items() if k not in PROJECT_ONLY_KEYS}
    meta.update(format_options(config, fmt))
    meta.update({k: v for k, v in front_matter.items() if k != "format"})
    meta.update(format_options(front_matter, fmt))
    return meta


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def variables_path(manuscript_dir: Path, article: str | None = None) -> Path:
    """The variables file of a document: its front matter's `variables-file`, else the
    project's _variables.yml."""
    manuscript_dir = Path(manuscript_dir)
    path = article_path(manuscript_dir, article)
    front = split_front_matter(path.read_text(encoding="utf-8"), path)[0] if path.exists() else {}
    return manuscript_dir / front.get("variables-file", VARIABLES)


def built_documents(manuscript_dir: Path) -> list[str]:
    """The project's documents (.qmd not starting with _) whose variables file exists:
    the ones a build has written the values for."""
    manuscript_dir = Path(manuscript_dir)
    return sorted(p.name for p in manuscript_dir.glob("*.qmd")
                  if not p.name.startswith("_") and variables_path(manuscript_dir, p.name).exists())


def manuscript_inputs(manuscript_dir: Path, article: str | None = None) -> list[Path]:
    """Every file the manuscript reads, for the render rule's inputs.

    Works before the generated files exist: includes that are not there yet are
    listed but not opened, and var shortcodes are left unresolved.
    """
    manuscript_dir = Path(manuscript_dir)
    found = [article_path(manuscript_dir, article), manuscript_dir / "_quarto.yml",
             variables_path(manuscript_dir, article)]
    article = found[0]
    texts = []
    pending = [article]
    while pending:
        path = pending.pop(0)
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        texts.append(text)
        for match in SHORTCODE.finditer(text):
            if match["name"] == "include":
                target = include_target(match["args"], path, manuscript_dir)
                if target not in found:
                    found.append(target)
                    pending.append(target)
    for text in texts:
        found.extend(manuscript_dir / m["path"] for m in IMAGE.finditer(text))
    front, _ = split_front_matter(texts[0], article) if texts else ({}, "")
    meta = document_metadata(manuscript_dir, front)
    for key in ("bibliography", "csl"):
        found.extend(manuscript_dir / p for p in as_list(meta.get(key)))
    for fmt in SUFFIXES:
        options = document_metadata(manuscript_dir, front, fmt)
        found.extend(manuscript_dir / p for p in header_files(options.get("include-in-header")))
    return list(dict.fromkeys(Path(os.path.normpath(p)) for p in found))


def header_files(value) -> list[str]:
    """The files named by an include-in-header option (a path, or entries with `file:`)."""
    return [entry if isinstance(entry, str) else entry["file"]
            for entry in as_list(value) if isinstance(entry, str) or "file" in entry]


# --- fallback: pandoc + typst ----------------------------------------------


def author_name(author) -> str:
    name = author.get("name", "") if isinstance(author, dict) else author
    if isinstance(name, dict):
        return name.get("literal") or " ".join(filter(None, (name.get("given"), name.get("family"))))
    return str(name)


def affiliation_names(author) -> str:
    if not isinstance(author, dict):
        return ""
    names = [a.get("name", "") if isinstance(a, dict) else str(a)
             for a in as_list(author.get("affiliations") or author.get("affiliation"))]
    return "; ".join(filter(None, names))


def pandoc_metadata(meta: dict, fmt: str) -> dict:
    """Quarto's author schema, reduced to what pandoc's default templates print."""
    meta = {k: v for k, v in meta.items() if k not in FLAG_OPTIONS and k not in QUARTO_RENDER_OPTIONS}
    authors = as_list(meta.get("author"))
    if fmt == "pdf":
        meta["author"] = [{"name": author_name(a), "affiliation": affiliation_names(a),
                           "email": a.get("email", "") if isinstance(a, dict) else ""}
                          for a in authors]
    elif authors:
        meta["author"] = [author_name(a) for a in authors]
    return meta


def pandoc_flags(meta: dict) -> list[str]:
    return [flag for key, flag in FLAG_OPTIONS.items() if meta.get(key)]


def run_pandoc(args: list[str], markdown: str, cwd: Path) -> bytes:
    env = dict(os.environ)
    # Fixed timestamps inside the docx, so reruns give identical files.
    env.setdefault("SOURCE_DATE_EPOCH", "0")
    command = [pypandoc.get_pandoc_path(), "--from=markdown", "--fail-if-warnings", *args]
    result = subprocess.run(command, input=markdown.encode("utf-8"), cwd=cwd,
                            capture_output=True, env=env)
    if result.returncode != 0:
        raise ManuscriptError(f"pandoc failed ({' '.join(args)}):\n{result.stderr.decode()}")
    return result.stdout


CALLOUT_STYLE = (
    '<w:style w:type="paragraph" w:customStyle="1" w:styleId="Callout">'
    '<w:name w:val="Callout"/><w:basedOn w:val="BodyText"/><w:qFormat/>'
    '<w:pPr><w:pBdr>'
    + "".join(f'<w:{side} w:val="single" w:sz="8" w:space="4" w:color="E0A800"/>'
              for side in ("top", "left", "bottom", "right"))
    + '</w:pBdr><w:shd w:val="clear" w:color="auto" w:fill="FFF8E1"/>'
    '<w:ind w:left="113" w:right="113"/></w:pPr></w:style>'
)


def reference_docx(path: Path) -> Path:
    """Pandoc's default reference.docx plus a bordered "Callout" paragraph style."""
    default = subprocess.run([pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
                             capture_output=True, check=True).stdout
    with zipfile.ZipFile(io.BytesIO(default)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/styles.xml":
                data = data.replace(b"</w:styles>", CALLOUT_STYLE.encode() + b"</w:styles>")
            # Pandoc copies some parts of the reference doc into the docx, timestamps included.
            dst.writestr(zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0)), data,
                         zipfile.ZIP_DEFLATED)
    return path


def typst_pdf(source: bytes, manuscript_dir: Path, out: Path) -> None:
    try:
        # Only the fonts inside the typst wheel: the same PDF on every machine.
        _, warnings = typst.compile_with_warnings(source, output=str(out), root=str(manuscript_dir),
                                                  ignore_system_fonts=True)
    except typst.TypstError as err:
        raise ManuscriptError(f"typst failed: {err.message}\n{err.diagnostic}") from err
    # Strict like pandoc's --fail-if-warnings: a missing font or image is not a footnote.
    if warnings:
        out.unlink(missing_ok=True)
        raise ManuscriptError("typst warnings:\n" + "\n".join(w.diagnostic for w in warnings))


RAW_FORMATS = {"html": "html", "pdf": "typst", "docx": "openxml"}


def header_includes(value, manuscript_dir: Path, fmt: str) -> list[str]:
    """include-in-header as Quarto reads it (a path, or a list of paths, `file:` and `text:`
    entries), as raw blocks for header-includes: the --include-in-header flag would
    replace the header-includes that the Lua filters add."""
    blocks = []
    for entry in as_list(value):
        if isinstance(entry, dict) and "text" in entry:
            text = entry["text"]
        else:
            text = (manuscript_dir / (entry if isinstance(entry, str) else entry["file"])).read_text(encoding="utf-8")
        blocks.append(f"```{{={RAW_FORMATS[fmt]}}}\n{text.rstrip()}\n```\n")  # a final newline: blocks, not inlines
    return blocks


def pandoc_jobs(manuscript_dir: Path, formats, article: Path, tmp: Path):
    """(format, pandoc arguments, expanded body) for each format of the fallback."""
    variables_file = variables_path(manuscript_dir, article.relative_to(manuscript_dir).as_posix())
    variables = load_yaml(variables_file) if variables_file.exists() else {}
    if not article.exists():
        raise ManuscriptError(f"missing file {article} (manuscript source)")
    front, body = split_front_matter(article.read_text(encoding="utf-8"), article)
    body = expand_text(body, article, manuscript_dir, variables)
    filters = [f"--lua-filter={FILTERS / 'crossref.lua'}", f"--lua-filter={FILTERS / 'callout.lua'}"]
    for fmt in formats:
        meta = expand_metadata(document_metadata(manuscript_dir, front, fmt), article, manuscript_dir, variables)
        written = pandoc_metadata(meta, fmt)
        includes = header_includes(meta.get("include-in-header"), manuscript_dir, fmt)
        if includes:
            written["header-includes"] = [*as_list(written.get("header-includes")), *includes]
        meta_file = tmp / f"{fmt}.yml"
        # JSON, a subset of YAML that keeps the raw blocks' line breaks as they are.
        meta_file.write_text(json.dumps(written, ensure_ascii=False, default=str), encoding="utf-8")
        args = [f"--resource-path={manuscript_dir}", *filters, "--citeproc", *pandoc_flags(meta),
                f"--metadata-file={meta_file}", "--standalone"]
        yield fmt, args, body


def to_typst(args: list[str], body: str, manuscript_dir: Path) -> bytes:
    # No creation date in the PDF, so reruns give identical files.
    return b"#set document(date: none)\n" + run_pandoc([*args, "--to=typst"], body, manuscript_dir)


def typst_source(manuscript_dir: Path, article: str | None = None) -> bytes:
    """The Typst document that the fallback compiles into the PDF."""
    manuscript_dir = Path(manuscript_dir).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        [(_, args, body)] = pandoc_jobs(manuscript_dir, ["pdf"], article_path(manuscript_dir, article), Path(tmp))
        return to_typst(args, body, manuscript_dir)


def render_fallback(manuscript_dir: Path, out_dir: Path, formats, article: str | None = None) -> dict[str, Path]:
    article = article_path(manuscript_dir, article)
    outputs = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for fmt, args, body in pandoc_jobs(manuscript_dir, formats, article, tmp):
            out = out_dir / f"{article.stem}{SUFFIXES[fmt]}"
            if fmt == "html":
                run_pandoc([*args, "--to=html5", "--embed-resources", f"--output={out}"], body, manuscript_dir)
            elif fmt == "docx":
                reference = reference_docx(tmp / "reference.docx")
                run_pandoc([*args, "--to=docx", f"--reference-doc={reference}", f"--output={out}"],
                           body, manuscript_dir)
            else:
                typst_pdf(to_typst(args, body, manuscript_dir), manuscript_dir, out)
            outputs[fmt] = out
    return outputs


# --- quarto ------------------------------------------------------------------


def filter_paths_absolute(config: dict, manuscript_dir: Path) -> dict:
    """`config` with each filter file it names (top level, or under a format) as an
    absolute path, so that a copy of the project elsewhere finds the same filters."""

    def absolute(entry):
        path = entry.get("path") if isinstance(entry, dict) else entry
        if not isinstance(path, str) or not (manuscript_dir / path).is_file():
            return entry  # "quarto" (the position of Quarto's own filters) or an extension's name
        path = str((manuscript_dir / path).resolve())
        return {**entry, "path": path} if isinstance(entry, dict) else path

    config = dict(config)
    if "filters" in config:
        config["filters"] = [absolute(e) for e in as_list(config["filters"])]
    formats = dict(config.get("format") or {})
    for name, options in formats.items():
        if isinstance(options, dict) and "filters" in options:
            formats[name] = {**options, "filters": [absolute(e) for e in as_list(options["filters"])]}
    if formats:
        config["format"] = formats
    return config


def snapshot(manuscript_dir: Path, dest: Path) -> Path:
    """A copy of the project for Quarto to work in, without its outputs.

    Quarto writes beside the sources (.quarto/, a .gitignore, intermediate files that
    it moves to the output folder afterwards), and two renders of one project share
    .quarto/. In a copy per render none of that touches the sources or another render.
    """
    config = project_config(manuscript_dir)
    left_out = {".quarto", (config.get("project") or {}).get("output-dir", "_build")}
    shutil.copytree(manuscript_dir, dest,
                    ignore=lambda folder, names: left_out & set(names) if Path(folder) == manuscript_dir else [])
    if config:
        (dest / "_quarto.yml").write_text(
            yaml.safe_dump(filter_paths_absolute(config, manuscript_dir), allow_unicode=True, sort_keys=False),
            encoding="utf-8")
    return dest


def publish(written: Path, target: Path) -> None:
    # Copy beside the target, then rename: a reader never sees half a file, and a render
    # replaces only the files it declares, never the folder that other renders write to.
    staged = target.with_name(f".{target.name}.{os.getpid()}.partial")
    shutil.copyfile(written, staged)
    os.replace(staged, target)


def render_quarto(manuscript_dir: Path, out_dir: Path, formats, article: str | None = None) -> dict[str, Path]:
    """`quarto render DOC --to FORMAT` once per format, in a snapshot of the project.

    Quarto takes a single format after --to (a comma list is an unknown format), and a
    whole-project render cleans its output folder; a document at a time into a private
    folder does neither, and `type: default` makes every .qmd a document of its own.
    """
    source = article_path(manuscript_dir, article)
    name = source.relative_to(manuscript_dir).as_posix()
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0")}
    outputs = {}
    with tempfile.TemporaryDirectory(prefix="panelreport-quarto-") as tmp:
        work = snapshot(manuscript_dir, Path(tmp) / "project")
        variables = variables_path(manuscript_dir, name)
        if variables != manuscript_dir / VARIABLES:
            # Quarto reads var shortcodes from the project's _variables.yml only.
            shutil.copyfile(variables, work / VARIABLES)
        rendered = Path(tmp) / "out"
        for fmt in formats:
            command = ["quarto", "render", name, "--to", QUARTO_FORMATS[fmt], "--output-dir", str(rendered)]
            result = subprocess.run(command, cwd=work, capture_output=True, text=True, env=env)
            if result.returncode != 0:
                raise ManuscriptError(f"{' '.join(command)} failed:\n{result.stderr}")
            written = rendered / f"{source.stem}{SUFFIXES[fmt]}"
            if not written.exists():
                found = sorted(p.name for p in rendered.iterdir()) if rendered.exists() else []
                raise ManuscriptError(f"{' '.join(command)} wrote no {written.name} (it wrote {found})\n"
                                      f"{result.stderr}")
            outputs[fmt] = written
        for fmt, written in outputs.items():
            outputs[fmt] = out_dir / written.name
            publish(written, outputs[fmt])
    return outputs


# --- entry points ----------------------------------------------------------------


def render(manuscript_dir: Path, out_dir: Path, formats=("html", "pdf", "docx"), engine="auto",
           article: str | None = None) -> dict[str, Path]:
    """Render the manuscript in `manuscript_dir` to `out_dir`/<article stem>.{html,pdf,docx}.

    engine: "quarto", "pandoc" (pandoc + typst), or "auto": quarto when it is on PATH.
    article: another document of the project (a supplement) instead of its article.
    Returns the path written for each format.
    """
    manuscript_dir, out_dir = Path(manuscript_dir).resolve(), Path(out_dir).resolve()
    unknown = set(formats) - set(SUFFIXES)
    if unknown:
        raise ValueError(f"unknown formats {sorted(unknown)}; choose from {sorted(SUFFIXES)}")
    if engine == "auto":
        engine = "quarto" if shutil.which("quarto") else "pandoc"
    if engine not in ("quarto", "pandoc"):
        raise ValueError(f"engine must be 'auto', 'quarto' or 'pandoc', not {engine!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    render_with = render_quarto if engine == "quarto" else render_fallback
    outputs = render_with(manuscript_dir, out_dir, formats, article)
    missing = [str(p) for p in outputs.values() if not p.exists()]
    if missing:
        raise ManuscriptError(f"{engine} did not write {', '.join(missing)}")
    return outputs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manuscript_dir", type=Path)
    parser.add_argument("--out", type=Path, help="output directory (default: MANUSCRIPT_DIR/_build)")
    parser.add_argument("--formats", default="html,pdf,docx", help="comma-separated: html,pdf,docx")
    parser.add_argument("--engine", choices=("auto", "quarto", "pandoc"), default="auto")
    parser.add_argument("--article", help="render this document of the project instead (e.g. supplement.qmd)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        outputs = render(args.manuscript_dir, args.out or args.manuscript_dir / "_build",
                         tuple(args.formats.split(",")), args.engine, args.article)
    except (ManuscriptError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in outputs.values():
        print(path)
    print(f"rendered in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
