rule stage_figure:
    input:
        "results/figures/{name}.png",
    output:
        GENERATED + "/figures/{name}.png",
    log:
        "logs/stage_figure_{name}.log",
    shell:
        "cp {input} {output} 2> {log}"


rule render:
    input:
        manuscript_inputs(MANUSCRIPT_DIR),
        # The filters shape the output as much as the sources do.
        sorted(Path("scripts/filters").glob("*.lua")),
        code=rule_code("rule_render.py"),
    output:
        html=f"{BUILD_DIR}/index.html",
        pdf=f"{BUILD_DIR}/index.pdf",
        docx=f"{BUILD_DIR}/index.docx",
    params:
        manuscript_dir=MANUSCRIPT_DIR,
        out_dir=BUILD_DIR,
    log:
        "logs/render.log",
    script:
        "../../scripts/rule_render.py"
