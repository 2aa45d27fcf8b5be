# The filters shape the output as much as the sources do.
LUA_FILTERS = sorted(
    str(p.relative_to(BASEDIR))
    for p in (BASEDIR / "scripts/panelreport/src/panelreport/filters").glob("*.lua")
)


rule stage_figure:
    input:
        "results/figures/{name}.png",
    output:
        f"{GENERATED}/figures/{{name}}.png",
    log:
        "logs/stage_figure_{name}.log",
    conda:
        CONDA_ENV
    shell:
        "cp {input} {output} 2> {log}"


rule render:
    input:
        manuscript_inputs(MANUSCRIPT_DIR),
        LUA_FILTERS,
        code=rule_code("render"),
        qmd=f"{MANUSCRIPT_DIR}/index.qmd",
    output:
        html=f"{BUILD_DIR}/index.html",
        pdf=f"{BUILD_DIR}/index.pdf",
        docx=f"{BUILD_DIR}/index.docx",
    log:
        "logs/render.log",
    conda:
        CONDA_ENV
    params:
        manuscript_dir=lambda wildcards, input: Path(input.qmd).parent,
        out_dir=lambda wildcards, output: Path(output.html).parent,
        article=None,
    script:
        "../scripts/render.py"


# Same project, same renderer and variables: the supplement builds like the paper.
use rule render as render_supplement with:
    input:
        manuscript_inputs(MANUSCRIPT_DIR, "supplement.qmd"),
        LUA_FILTERS,
        code=rule_code("render"),
        qmd=f"{MANUSCRIPT_DIR}/supplement.qmd",
    output:
        html=f"{BUILD_DIR}/supplement.html",
        pdf=f"{BUILD_DIR}/supplement.pdf",
        docx=f"{BUILD_DIR}/supplement.docx",
    log:
        "logs/render_supplement.log",
    params:
        manuscript_dir=lambda wildcards, input: Path(input.qmd).parent,
        out_dir=lambda wildcards, output: Path(output.html).parent,
        article="supplement.qmd",
