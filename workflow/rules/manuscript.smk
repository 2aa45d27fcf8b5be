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
        # The filters shape the output as much as the sources do.
        sorted(Path("scripts/filters").glob("*.lua")),
        code=rule_code("rule_render.py"),
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
    script:
        "../../scripts/rule_render.py"
