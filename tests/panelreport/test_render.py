"""The manuscript renders from Quarto sources without Quarto (pandoc + typst)."""

import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from panelreport.render import (ManuscriptError, built_documents, expand, manuscript_inputs, render, typst_source,
                                variables_path)

DEMO = Path(__file__).parent / "manuscript_demo"


def copy_demo(dest: Path) -> Path:
    # symlinks=False: the demo's apa.csl is a link to the project's style.
    shutil.copytree(DEMO, dest, symlinks=False)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


class Links(HTMLParser):
    """The visible text of a page, and each link as (href, text)."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self._href = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self.links.append([self._href, ""])

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        self.text.append(data)
        if self._href is not None:
            self.links[-1][1] += data


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    return render(DEMO, out, engine="pandoc")


@pytest.fixture(scope="module")
def html(built):
    page = built["html"].read_text(encoding="utf-8")
    parser = Links()
    parser.feed(page)
    return page, squash("".join(parser.text)), parser.links


@pytest.fixture(scope="module")
def pdf_text(built):
    return squash(" ".join(page.extract_text() for page in pypdf.PdfReader(built["pdf"]).pages))


@pytest.fixture(scope="module")
def docx_xml(built):
    return zipfile.ZipFile(built["docx"]).read("word/document.xml").decode("utf-8")


def docx_text(xml: str) -> str:
    return squash("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)))


def test_writes_the_three_formats_under_quarto_names(built):
    assert {fmt: path.name for fmt, path in built.items()} == {
        "html": "index.html", "pdf": "index.pdf", "docx": "index.docx"}


def test_html_resolves_variables_includes_and_nested_variables(html):
    _, text, _ = html
    assert "The sample had 272 participants, 136 of them in IPDT" in text  # var, nested var
    assert "Alliance (SAI)" in text  # included table
    assert "Table 1: Descriptive statistics (N = 272)" in text  # var inside an included file
    assert "-0.21" in text  # nested var inside an included file
    assert "{{<" not in text


def test_html_numbers_cross_references_in_order_with_links(html):
    _, text, links = html
    assert ["#tbl-descriptives", "Table 1"] in links
    assert ["#tbl-paths", "Table 2"] in links
    assert ["#fig-paths", "Figure 1"] in links
    assert ["#fig-trajectories", "Figure 2"] in links
    assert "Table 2: Within-person lagged paths of the RI-CLPM" in text
    assert "Figure 2: Mean weekly trajectories." in text
    assert "@tbl-" not in text and "@fig-" not in text


def test_html_cites_in_apa_style_with_a_reference_list(html):
    page, text, _ = html
    assert "(Hamaker et al., 2015)" in text
    assert "following Mulder & Hamaker (2021)" in text
    refs = page[page.index('id="refs"'):]
    assert "Hamaker, E. L., Kuiper, R. M., &amp; Grasman" in refs
    assert "Original work published" not in refs


def test_html_is_self_contained_and_shows_the_banner_as_a_box(html):
    page, _, _ = html
    assert page.count("data:image/png;base64,") == 2
    assert 'src="_generated' not in page
    banner = re.search(r'<div class="callout callout-warning">(.*?)</div>\s*</div>', page, re.S)
    assert banner and "Synthetic data" in banner.group(1) and "synthetic trial" in banner.group(1)
    assert ".callout {" in page


def test_pdf_has_the_same_content(pdf_text):
    for expected in ("Demo manuscript", "N = 272 participants", "136 of them in IPDT", "Alliance (SAI)",
                     "Table 1 describes", "Table 2 gives", "Figure 1 shows", "Figure 2 the trajectories",
                     "Table 2: Within-person lagged paths of the RI-CLPM", "Figure 1: Within-person",
                     "(Hamaker et al., 2015)", "Hamaker, E. L., Kuiper, R. M.", "Synthetic data",
                     "Demo University"):
        assert expected in pdf_text
    assert "0.21" in pdf_text  # typst typesets the sign as a true minus
    assert "Original work published" not in pdf_text
    # The filters' header-includes survive the format's include-in-header: no second number.
    assert "Figure 1: Figure 1" not in pdf_text and "Table 1: Table 1" not in pdf_text


def test_format_options_of_quarto_yml_reach_the_typst_document():
    source = typst_source(DEMO).decode()
    assert 'paper: "a4"' in source and "margin: (x: 2.5cm,y: 2.5cm,)" in source.replace(" ,", ",")
    assert "#show table: set text(size: 0.85em" in source


def test_docx_has_the_same_content_and_a_styled_banner(docx_xml, built):
    text = docx_text(docx_xml)
    for expected in ("The sample had 272 participants, 136 of them in IPDT", "Alliance (SAI)", "-0.21",
                     "Table 1", "Table 2", "Figure 1", "Figure 2", "(Hamaker et al., 2015)",
                     "Hamaker, E. L., Kuiper, R. M., &amp; Grasman", "Synthetic data"):
        assert expected in text
    assert '<w:pStyle w:val="Callout" />' in docx_xml or '<w:pStyle w:val="Callout"/>' in docx_xml
    styles = zipfile.ZipFile(built["docx"]).read("word/styles.xml").decode("utf-8")
    callout = re.search(r'w:styleId="Callout".*?</w:style>', styles, re.S)
    assert callout and "w:pBdr" in callout.group(0)


def test_rerender_is_byte_identical(built, tmp_path):
    again = render(DEMO, tmp_path, engine="pandoc")
    for fmt, path in again.items():
        assert path.read_bytes() == built[fmt].read_bytes(), fmt


def test_unknown_variable_is_an_error_naming_it(tmp_path):
    demo = copy_demo(tmp_path / "demo")
    edit(demo / "_generated/tables/paths.md", "{{< var model.name >}}", "{{< var model.nmae >}}")
    with pytest.raises(ManuscriptError, match=r"model\.nmae.*") as err:
        render(demo, tmp_path / "out", formats=("html",), engine="pandoc")
    assert "paths.md" in str(err.value)


def test_missing_include_is_an_error(tmp_path):
    demo = copy_demo(tmp_path / "demo")
    (demo / "_generated/tables/paths.md").unlink()
    with pytest.raises(ManuscriptError, match=r"missing file .*paths\.md"):
        render(demo, tmp_path / "out", formats=("html",), engine="pandoc")


@pytest.mark.parametrize("ref", ["@fig-nothing", "@tbl-nothing"])
def test_unknown_cross_reference_is_an_error(tmp_path, ref):
    demo = copy_demo(tmp_path / "demo")
    edit(demo / "index.qmd", "@fig-paths shows", f"{ref} shows")
    with pytest.raises(ManuscriptError, match=ref[1:]):
        render(demo, tmp_path / "out", formats=("html",), engine="pandoc")


def test_unknown_citation_is_an_error(tmp_path):
    demo = copy_demo(tmp_path / "demo")
    edit(demo / "index.qmd", "[@hamaker2015]", "[@nobody1999]")
    with pytest.raises(ManuscriptError, match="nobody1999"):
        render(demo, tmp_path / "out", formats=("html",), engine="pandoc")


def test_manuscript_inputs_lists_every_file_read():
    inputs = {p.relative_to(DEMO).as_posix() for p in manuscript_inputs(DEMO)}
    assert inputs == {
        "index.qmd", "_quarto.yml", "_variables.yml", "references.bib", "apa.csl", "typst-tables.typ",
        "_generated/tables/descriptives.md", "_generated/tables/paths.md",
        "_generated/figures/paths.png", "_generated/figures/trajectories.png",
    }


def test_manuscript_inputs_lists_generated_files_before_they_exist(tmp_path):
    demo = copy_demo(tmp_path / "demo")
    shutil.rmtree(demo / "_generated")
    (demo / "_variables.yml").unlink()
    inputs = {p.relative_to(demo).as_posix() for p in manuscript_inputs(demo)}
    assert {"_variables.yml", "_generated/tables/paths.md", "_generated/figures/paths.png"} <= inputs


def test_a_document_can_name_its_own_variables_file(tmp_path):
    """A document that another target builds reads its values from its own file, and
    lists that file, not the project's, among its inputs."""
    demo = copy_demo(tmp_path / "demo")
    write(demo / "plan.qmd", '---\ntitle: "Plan"\nvariables-file: _generated/plan/values.yml\n---\n\n'
                             "The plan needs {{< var plan.n >}} participants.\n")
    assert built_documents(demo) == ["index.qmd"]
    write(demo / "_generated/plan/values.yml", "plan:\n  n: 4711\n")
    assert variables_path(demo, "plan.qmd") == demo / "_generated/plan/values.yml"
    assert built_documents(demo) == ["index.qmd", "plan.qmd"]
    inputs = {p.relative_to(demo).as_posix() for p in manuscript_inputs(demo, "plan.qmd")}
    assert "_generated/plan/values.yml" in inputs and "_variables.yml" not in inputs
    out = render(demo, tmp_path / "out", formats=("html",), engine="pandoc", article="plan.qmd")
    html = out["html"].read_text()
    assert "The plan needs 4711 participants." in html and "variables-file" not in html


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_expand_nested_include_is_relative_to_the_including_file(tmp_path):
    main = write(tmp_path / "index.qmd", "A {{< include parts/a.md >}} Z")
    write(tmp_path / "parts/a.md", "B {{< include b.md >}} {{< include /top.md >}}\n")
    write(tmp_path / "parts/b.md", "{{< var x.y >}}")
    write(tmp_path / "top.md", "T")
    assert expand(main, tmp_path, {"x": {"y": 1.5}}) == "A B 1.5 T Z"


def test_expand_keeps_escaped_shortcodes_and_formats_booleans(tmp_path):
    main = write(tmp_path / "index.qmd", "{{{< var x >}}} is {{< var x >}}")
    assert expand(main, tmp_path, {"x": True}) == "{{< var x >}} is true"


@pytest.mark.parametrize("text, message", [
    ("{{< var x >}}", "'x' is not a single value"),
    ("{{< meta title >}}", "shortcode 'meta' is not supported"),
    ("{{< include index.qmd >}}", "include cycle"),
])
def test_expand_rejects_what_it_cannot_honour(tmp_path, text, message):
    main = write(tmp_path / "index.qmd", text)
    with pytest.raises(ManuscriptError, match=message):
        expand(main, tmp_path, {"x": {"y": 1}})


def test_variables_in_front_matter_are_resolved_after_the_yaml_is_read(tmp_path):
    demo = copy_demo(tmp_path / "demo")
    edit(demo / "index.qmd", 'title: "Demo manuscript"', 'title: "{{< var model.name >}} demo"')
    # Pasted into the YAML as text, this value would end the quoted title early.
    edit(demo / "_variables.yml", "name: RI-CLPM", "name: 'RI-CLPM \"within\":'")
    page = render(demo, tmp_path / "out", formats=("html",), engine="pandoc")["html"].read_text()
    assert re.search(r'<h1 class="title">RI-CLPM .within.: demo</h1>', page)


def test_typst_warnings_are_errors(tmp_path):
    demo = copy_demo(tmp_path / "demo")
    edit(demo / "index.qmd", "date: 2023-05-01", "date: 2023-05-01\nmainfont: No Such Font")
    with pytest.raises(ManuscriptError, match="unknown font family"):
        render(demo, tmp_path / "out", formats=("pdf",), engine="pandoc")
