TABLES = [
    "sample",
    "data_quality",
    "reliability",
    "icc",
    "descriptives",
    "model_fit",
    "lagged_effects",
    "between_person",
]


rule tables:
    input:
        code=rule_code("rule_tables.py"),
        intake="results/data/intake.csv",
        exclusions="results/scores/exclusions.csv",
        reliability="results/measurement/reliability.csv",
        descriptives="results/measurement/descriptives.csv",
        icc="results/measurement/icc.csv",
        scores="results/scores/scores_long.csv",
        lagged=expand("results/models/riclpm_{alliance}/lagged.csv", alliance=ALLIANCE),
        fit=expand("results/models/riclpm_{alliance}/fit.csv", alliance=ALLIANCE),
        diagnostics=expand(
            "results/models/riclpm_{alliance}/diagnostics.json", alliance=ALLIANCE
        ),
        ri_correlations=expand(
            "results/models/riclpm_{alliance}/ri_correlations.csv", alliance=ALLIANCE
        ),
    output:
        csv=expand("results/tables/{table}.csv", table=TABLES),
        md=expand(f"{GENERATED}/tables/{{table}}.md", table=TABLES),
    log:
        "logs/tables.log",
    conda:
        CONDA_ENV
    params:
        alliance=ALLIANCE,
        tables=TABLES,
    script:
        "../../scripts/rule_tables.py"


rule figures:
    input:
        code=rule_code("rule_figures.py"),
        descriptives="results/measurement/descriptives.csv",
        retention="results/measurement/retention.csv",
    output:
        trajectories_png="results/figures/trajectories.png",
        trajectories_svg="results/figures/trajectories.svg",
        retention_png="results/figures/retention.png",
        retention_svg="results/figures/retention.svg",
    log:
        "logs/figures.log",
    conda:
        CONDA_ENV
    script:
        "../../scripts/rule_figures.py"


rule provenance:
    input:
        **raw_files(),
        code=rule_code("rule_provenance.py"),
        requirements="requirements.txt",
    output:
        json="results/provenance.json",
        md=f"{GENERATED}/tables/provenance.md",
    log:
        "logs/provenance.log",
    conda:
        CONDA_ENV
    params:
        # As params, a new commit or config reruns this rule (and so re-renders the paper).
        commit=lambda wc: git_commit(),
        config_sha256=config_sha256(),
    script:
        "../../scripts/rule_provenance.py"


rule variables:
    input:
        code=rule_code("rule_variables.py"),
        sample="results/tables/sample.csv",
        retention="results/measurement/retention.csv",
        icc="results/measurement/icc.csv",
        lagged=expand("results/models/riclpm_{alliance}/lagged.csv", alliance=ALLIANCE),
        fit=expand("results/models/riclpm_{alliance}/fit.csv", alliance=ALLIANCE),
        diagnostics=expand(
            "results/models/riclpm_{alliance}/diagnostics.json", alliance=ALLIANCE
        ),
        provenance="results/provenance.json",
    output:
        variables=f"{MANUSCRIPT_DIR}/_variables.yml",
        banner=f"{GENERATED}/banner.md",
    log:
        "logs/variables.log",
    conda:
        CONDA_ENV
    script:
        "../../scripts/rule_variables.py"
