FIGURES = [
    "trajectories",
    *(["individual"] if INDIVIDUAL else []),
    "retention",
    "reliability",
    "paths",
    "forest",
    *(["bootstrap"] if CHAINS else []),
]
TEXTS = [
    "method",
    "results_sample",
    "results_dynamics",
    "results_hypotheses",
    "results_sensitivity",
]
# The study's own prose and references, when the config names them.
STUDY_FILES = {
    key: config["study"][key]
    for key in ("introduction", "discussion", "bibliography")
    if key in config["study"]
}


rule manuscript_text:
    input:
        **STUDY_FILES,
        code=rule_code("manuscript_text"),
        validated=after_validation(),
    output:
        texts=expand(f"{GENERATED}/text/{{name}}.md", name=TEXTS),
        figures=expand(
            f"{GENERATED}/figures/{{name}}.md",
            name=[
                "trajectories",
                "individual",
                "retention",
                "reliability",
                "paths",
                "forest",
                "bootstrap",
            ],
        ),
        introduction=f"{GENERATED}/study/introduction.md",
        discussion=f"{GENERATED}/study/discussion.md",
        bibliography=f"{GENERATED}/study/references.bib",
    log:
        "logs/manuscript_text.log",
    conda:
        CONDA_ENV
    params:
        study=study_for_text(),
        texts=TEXTS,
        figures=FIGURES,
    script:
        "../scripts/manuscript_text.py"


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
        render_inputs(None, expand(f"{GENERATED}/figures/{{name}}.png", name=FIGURES)),
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
        render_inputs("supplement.qmd"),
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
