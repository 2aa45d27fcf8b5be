# Planning a replication (`make power`, not part of `all`): pseudo-true values and the
# planned attrition's missing-data patterns, analytic power, Monte Carlo replications
# scattered over (sample size x chunk), their summary, and the planning document.

POWER_SIZES = POWER["sizes"]
# What the generator and the analysis of a planned trial read (panelstudy.power).
POWER_TRIAL = (
    "seed",
    "data",
    "instruments",
    "processes",
    "model",
    "synthetic",
    "constructs",
    "simulate",
)
PLANNING_VARIABLES = f"{GENERATED}/planning/_variables.yml"
PLANNING_OUTPUTS = [f"{BUILD_DIR}/planning.{ext}" for ext in FORMATS]


wildcard_constraints:
    n=r"\d+",


rule power_population:
    input:
        code=rule_code("power_population"),
    output:
        truth="results/power/pseudo_true.csv",
        patterns="results/power/patterns.csv",
    log:
        "logs/power/population.log",
    conda:
        CONDA_ENV
    params:
        design=power_part(*POWER_TRIAL, "pseudo_true"),
    script:
        "../scripts/power_population.py"


rule power_analytic:
    input:
        code=rule_code("power_analytic"),
        truth="results/power/pseudo_true.csv",
        patterns="results/power/patterns.csv",
    output:
        "results/power/analytic.csv",
    log:
        "logs/power/analytic.log",
    conda:
        CONDA_ENV
    params:
        design=power_part("constructs", "model", "effects"),
    script:
        "../scripts/power_analytic.py"


# Replications are scattered over jobs per sample size, so that they use every core, or
# a cluster; each replication's seed depends on its sample size and index only.
rule power_chunk:
    input:
        code=rule_code("power_chunk"),
    output:
        "results/power/chunks/n{n}/{scatteritem}.csv",
    log:
        "logs/power/n{n}_{scatteritem}.log",
    conda:
        CONDA_ENV
    params:
        design=power_part(*POWER_TRIAL, "effects", "alpha", "draws", "se"),
        replications=POWER["replications"],
        n_per_arm=lambda wildcards: int(wildcards.n),
        scatteritem=lambda wildcards: wildcards.scatteritem,
    script:
        "../scripts/power_chunk.py"


rule power_summary:
    input:
        code=rule_code("power_summary"),
        analytic="results/power/analytic.csv",
        truth="results/power/pseudo_true.csv",
        patterns="results/power/patterns.csv",
        chunks=[
            path
            for n in POWER_SIZES
            for path in gather.power(f"results/power/chunks/n{n}/{{scatteritem}}.csv")
        ],
    output:
        replications="results/power/replications.csv",
        summary="results/power/summary.csv",
        needed="results/power/needed.csv",
        table_csv="results/tables/power.csv",
        table_md=f"{GENERATED}/tables/power.md",
        needed_csv="results/tables/power_n.csv",
        needed_md=f"{GENERATED}/tables/power_n.md",
        png="results/figures/power.png",
        svg="results/figures/power.svg",
        variables=PLANNING_VARIABLES,
    log:
        "logs/power/summary.log",
    conda:
        CONDA_ENV
    params:
        design=power_part(
            "data",
            "model",
            "synthetic",
            "effects",
            "sizes",
            "replications",
            "alpha",
            "simulate",
        ),
        planned=config["power"],
        study={
            key: config["study"][key]
            for key in ("name", "subtitle", "authors")
            if key in config["study"]
        },
        seed=config["seed"],
        names={p.short: p.name for p in design.processes(config)},
        labels=process_labels(),
    script:
        "../scripts/power_summary.py"


# The planning document renders like the supplement, from its own variables file.
use rule render as render_planning with:
    input:
        render_inputs("planning.qmd", [f"{GENERATED}/figures/power.png"]),
        code=rule_code("render"),
        qmd=f"{MANUSCRIPT_DIR}/planning.qmd",
    output:
        html=f"{BUILD_DIR}/planning.html",
        pdf=f"{BUILD_DIR}/planning.pdf",
        docx=f"{BUILD_DIR}/planning.docx",
    log:
        "logs/render_planning.log",
    params:
        manuscript_dir=lambda wildcards, input: Path(input.qmd).parent,
        out_dir=lambda wildcards, output: Path(output.html).parent,
        article="planning.qmd",


rule power:
    input:
        PLANNING_OUTPUTS,
