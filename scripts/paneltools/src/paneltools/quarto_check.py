"""Render the manuscript with Quarto and with the pandoc/typst fallback, and compare.

Usage: python -m paneltools.quarto_check [MANUSCRIPT_DIR] [--out DIR] [--article FILE ...]
       (make quarto-check, after a build has written the generated sources)

For every document (default: each .qmd of the project whose variables a build has
written) and format (HTML, PDF, DOCX) it compares what a reader gets from the two
paths: every number in the text, the tables (count and captions), the figures (images
and captions), the cross-references (every "Table N"/"Figure N", none left
unresolved), and the reference list (the text between the last "References" and the
appendix, so that a list moved elsewhere or formatted by another citation engine shows). It also checks, for each output, that no shortcode is
left unexpanded anywhere in the file, that the HTML loads nothing from beside it or
from the network, and that the renders left nothing new in the source tree.

Exit status: 0 when everything agrees, 1 with a list of differences, 2 without quarto.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pypdf

from panelreport.render import SUFFIXES, ManuscriptError, built_documents, render

NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*")
XREF = re.compile(r"\b(Table|Figure) (\d+)\b")
CAPTION = re.compile(r"\b(Table|Figure) (\d+): (.{0,40})")
# Quarto's marks of a reference it could not resolve, and pandoc's for a missing citation.
UNRESOLVED = re.compile(r"\?@[\w-]+|@(?:fig|tbl)-[\w-]+|\b(?:fig|tbl)-[\w-]+\?")
# A resource the page loads: anything but an inline data: URI or an anchor is outside it.
RESOURCE = re.compile(r"<(?:script|img|link|source|video|audio|iframe|embed)\b[^>]*?\b(?:src|href)=[\"'](?!data:|#)([^\"']+)",
                      re.I)
CSS_URL = re.compile(r"url\(\s*[\"']?(?!data:|#)([^)\"']+)", re.I)


@dataclass
class Reading:
    """What a reader gets from one output file."""

    text: str
    raw: str  # every text part of the file, for unexpanded shortcodes
    tables: int
    images: int

    @property
    def numbers(self) -> Counter:
        return Counter(NUMBER.findall(self.text))

    @property
    def captions(self) -> list[tuple[str, str, str]]:
        return [(kind, n, snippet.strip()) for kind, n, snippet in CAPTION.findall(self.text)]

    @property
    def xrefs(self) -> Counter:
        return Counter(f"{kind} {n}" for kind, n in XREF.findall(self.text))

    @property
    def references(self) -> str:
        start = self.text.rfind("References")
        if start < 0:
            return ""
        end = self.text.find("Appendix", start)
        return self.text[start:end if end >= 0 else len(self.text)].strip()


def normalise(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\u2212", "-").replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text).strip()


class VisibleText(HTMLParser):
    SKIP = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__()
        self.parts, self.depth = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1
        elif tag in {"p", "div", "br", "tr", "td", "th", "li", "h1", "h2", "h3", "h4", "figcaption", "caption"}:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.depth = max(0, self.depth - 1)

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def read_html(path: Path) -> Reading:
    page = path.read_text(encoding="utf-8")
    parser = VisibleText()
    parser.feed(page)
    return Reading(normalise("".join(parser.parts)), page, len(re.findall(r"<table\b", page)),
                   len(re.findall(r"<img\b", page)))


def read_docx(path: Path) -> Reading:
    with zipfile.ZipFile(path) as docx:
        document = docx.read("word/document.xml").decode("utf-8")
        raw = "\n".join(docx.read(n).decode("utf-8", "replace") for n in docx.namelist() if n.endswith(".xml"))
        images = sum(1 for n in docx.namelist() if n.startswith("word/media/"))
    paragraphs = ["".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p)) for p in document.split("</w:p>")]
    text = " ".join(paragraphs).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return Reading(normalise(text), raw, document.count("<w:tbl>"), images)


def pdf_page_text(page, number: int) -> str:
    lines = page.extract_text().splitlines()
    if lines and lines[-1].strip() == str(number):  # the page number in the footer
        lines = lines[:-1]
    joined = []
    for line in lines:
        # A URL broken at the line end continues on the next line without a space.
        if joined and re.search(r"(?:https?://|doi\.org)\S*$", joined[-1]):
            joined[-1] += line.lstrip()
        else:
            joined.append(line)
    return "\n".join(joined)


def read_pdf(path: Path) -> Reading:
    reader = pypdf.PdfReader(path)
    text = "\n".join(pdf_page_text(page, i) for i, page in enumerate(reader.pages, 1))
    images = sum(len(page.images) for page in reader.pages)
    tables = len({(kind, n) for kind, n, _ in CAPTION.findall(normalise(text)) if kind == "Table"})
    return Reading(normalise(text), text, tables, images)


READERS = {"html": read_html, "docx": read_docx, "pdf": read_pdf}


def compare(name: str, quarto: Reading, fallback: Reading) -> list[str]:
    """The differences a reader would notice between the two renders of one output."""
    problems = []
    extra, missing = quarto.numbers - fallback.numbers, fallback.numbers - quarto.numbers
    if extra or missing:
        problems.append(f"{name}: numbers differ: only in Quarto {sorted(extra.elements())[:12]}, "
                        f"only in the fallback {sorted(missing.elements())[:12]}")
    if quarto.tables != fallback.tables:
        problems.append(f"{name}: {quarto.tables} tables under Quarto, {fallback.tables} in the fallback")
    if quarto.images != fallback.images:
        problems.append(f"{name}: {quarto.images} images under Quarto, {fallback.images} in the fallback")
    if quarto.captions != fallback.captions:
        only = [c for c in quarto.captions if c not in fallback.captions]
        lost = [c for c in fallback.captions if c not in quarto.captions]
        problems.append(f"{name}: captions differ: only in Quarto {only[:5]}, only in the fallback {lost[:5]}")
    if quarto.xrefs != fallback.xrefs:
        problems.append(f"{name}: cross-references differ: Quarto {dict(quarto.xrefs - fallback.xrefs)}, "
                        f"fallback {dict(fallback.xrefs - quarto.xrefs)}")
    if quarto.references != fallback.references:
        problems.append(f"{name}: the reference list differs:\n  Quarto:   {quarto.references[:300]!r}\n"
                        f"  fallback: {fallback.references[:300]!r}")
    for engine, reading in (("Quarto", quarto), ("fallback", fallback)):
        problems += [f"{name} ({engine}): unresolved reference {m!r}" for m in UNRESOLVED.findall(reading.text)]
        if "{{<" in reading.raw:
            problems.append(f"{name} ({engine}): an unexpanded shortcode in the file")
    return problems


def self_contained(name: str, page: str) -> list[str]:
    outside = RESOURCE.findall(page) + [u for style in re.findall(r"<style[^>]*>(.*?)</style>", page, re.S)
                                        for u in CSS_URL.findall(style)]
    return [f"{name}: loads {url} from outside the file" for url in dict.fromkeys(outside)]


def git_status(folder: Path) -> set[str] | None:
    result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", "."],
                            cwd=folder, capture_output=True, text=True)
    return set(result.stdout.splitlines()) if result.returncode == 0 else None


def check(manuscript_dir: Path, out: Path, articles: list[str]) -> list[str]:
    before = git_status(manuscript_dir)
    problems = []
    for article in articles:
        try:
            built = {engine: render(manuscript_dir, out / engine, engine=engine, article=article)
                     for engine in ("quarto", "pandoc")}
        except ManuscriptError as err:
            problems.append(f"{article}: {err}")
            continue
        for fmt in SUFFIXES:
            quarto, fallback = (built[e][fmt] for e in ("quarto", "pandoc"))
            problems += compare(quarto.name, READERS[fmt](quarto), READERS[fmt](fallback))
            if fmt == "html":
                problems += self_contained(f"{quarto.name} (Quarto)", quarto.read_text(encoding="utf-8"))
                problems += self_contained(f"{fallback.name} (fallback)", fallback.read_text(encoding="utf-8"))
    after = git_status(manuscript_dir)
    if before is not None and after != before:
        problems += [f"the renders left in the source tree: {line}" for line in sorted(after - before)]
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manuscript_dir", type=Path, nargs="?", default=Path("manuscript"))
    parser.add_argument("--out", type=Path, default=Path("results/quarto-check"),
                        help="where both renders go: OUT/quarto/ and OUT/pandoc/")
    parser.add_argument("--article", action="append",
                        help="a document to check (default: every .qmd whose variables a build has written)")
    args = parser.parse_args(argv)
    if not shutil.which("quarto"):
        print("error: quarto is not on PATH; this check compares its output with the fallback's", file=sys.stderr)
        return 2
    version = subprocess.run(["quarto", "--version"], capture_output=True, text=True).stdout.strip()
    articles = args.article or built_documents(args.manuscript_dir)
    print(f"quarto {version}; checking {', '.join(articles)} in {args.manuscript_dir}")
    problems = check(args.manuscript_dir.resolve(), args.out.resolve(), articles)
    for problem in problems:
        print(f"DIFFERENT {problem}")
    print(f"{len(problems)} differences between Quarto and the fallback" if problems
          else "AGREE: Quarto and the fallback give the same numbers, tables, figures, cross-references "
               "and references")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
