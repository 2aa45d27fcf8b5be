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
# Where each table sits in `snakemake --report`: category, subcategory, label.
TABLE_PLACES = {
    "sample": ("Data and measurement", "Sample and missing data", "Sample by arm"),
    "data_quality": ("Data and measurement", "Sample and missing data", "Data quality"),
    "reliability": ("Data and measurement", "Measurement", "Reliability summary"),
    "icc": ("Data and measurement", "Measurement", "Intraclass correlations"),
    "descriptives": ("Data and measurement", "Score trajectories", "Scores by arm"),
    "model_fit": ("Models", "Fit and between-person part", "Model fit"),
    "lagged_effects": ("Models", "Within-person effects", "Lagged effects"),
    "between_person": ("Models", "Fit and between-person part", "Random intercepts"),
}


rule tables:
    input:
        code=rule_code("tables"),
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
        csv=[report_table(table, *TABLE_PLACES[table]) for table in TABLES],
        md=expand(f"{GENERATED}/tables/{{table}}.md", table=TABLES),
    log:
        "logs/tables.log",
    conda:
        CONDA_ENV
    params:
        tables=TABLES,
        raters=raters(),
        labels=labels(),
        arms=config["data"]["arms"],
        waves=config["model"]["waves"],
        depression=config["model"]["depression"],
        depression_first_week=min(
            config["instruments"][config["model"]["depression"]]["weeks"]
        ),
    script:
        "../scripts/tables.py"


rule claims:
    input:
        code=rule_code("claims"),
        lagged=expand("results/models/riclpm_{alliance}/lagged.csv", alliance=ALLIANCE),
        indirect=expand(
            "results/models/riclpm_{alliance}/indirect.csv", alliance=ALLIANCE
        ),
        sensitivity_comparison=expand(
            "results/models/riclpm_{alliance}/sensitivity_comparison.csv",
            alliance=ALLIANCE,
        ),
        sensitivity_models=expand(
            "results/models/riclpm_{alliance}/sensitivity_models.csv",
            alliance=ALLIANCE,
        ),
        truth="resources/synthetic/truth.json" if SYNTHETIC else [],
    output:
        claims_csv=report_table(
            "claims", "Indirect effect", "Claims", "The abstract's claims"
        ),
        claims_md=f"{GENERATED}/tables/claims.md",
        indirect_csv=report_table(
            "indirect", "Indirect effect", "Intervals", "Indirect effect"
        ),
        indirect_md=f"{GENERATED}/tables/indirect.md",
        sensitivity_csv=report_table(
            "sensitivity", "Sensitivity", "Alternative models", "Model comparisons"
        ),
        sensitivity_md=f"{GENERATED}/tables/sensitivity.md",
        sensitivity_effects_csv=report_table(
            "sensitivity_effects",
            "Sensitivity",
            "Alternative models",
            "Key effects by model",
        ),
        sensitivity_effects_md=f"{GENERATED}/tables/sensitivity_effects.md",
    log:
        "logs/claims.log",
    conda:
        CONDA_ENV
    params:
        raters=raters(),
    script:
        "../scripts/claims.py"


rule bootstrap_figure:
    input:
        code=rule_code("bootstrap_figure"),
        replicates=expand(
            "results/bootstrap/riclpm_{alliance}/replicates.csv", alliance=ALLIANCE
        ),
        indirect=expand(
            "results/models/riclpm_{alliance}/indirect.csv", alliance=ALLIANCE
        ),
    output:
        png=report_figure(
            "bootstrap", "Indirect effect", "Intervals", "Bootstrap distribution"
        ),
        svg="results/figures/bootstrap.svg",
    log:
        "logs/bootstrap_figure.log",
    conda:
        CONDA_ENV
    params:
        raters=raters(),
    script:
        "../scripts/bootstrap_figure.py"


# One instrument per process: the first alliance rater's, regulation and depression.
PLOTTED_INSTRUMENTS = [
    ALLIANCE[0],
    config["model"]["regulation"],
    config["model"]["depression"],
]


rule model_figures:
    input:
        code=rule_code("model_figures"),
        lagged=expand("results/models/riclpm_{alliance}/lagged.csv", alliance=ALLIANCE),
        scores="results/scores/scores_long.csv",
    output:
        paths_png=report_figure(
            "paths", "Models", "Within-person effects", "Path diagram"
        ),
        paths_svg="results/figures/paths.svg",
        forest_png=report_figure(
            "forest", "Models", "Within-person effects", "Standardised effects"
        ),
        forest_svg="results/figures/forest.svg",
        individual_png=report_figure(
            "individual",
            "Data and measurement",
            "Score trajectories",
            "Individual trajectories",
        ),
        individual_svg="results/figures/individual.svg",
    log:
        "logs/model_figures.log",
    conda:
        CONDA_ENV
    params:
        raters=raters(),
        instruments=PLOTTED_INSTRUMENTS,
        labels=labels(PLOTTED_INSTRUMENTS),
        waves=config["model"]["waves"],
        n_people=12,
        seed=rule_seed("individual_trajectories"),
    script:
        "../scripts/model_figures.py"


rule figures:
    input:
        code=rule_code("figures"),
        descriptives="results/measurement/descriptives.csv",
        retention="results/measurement/retention.csv",
    output:
        trajectories_png=report_figure(
            "trajectories",
            "Data and measurement",
            "Score trajectories",
            "Mean trajectories",
        ),
        trajectories_svg="results/figures/trajectories.svg",
        retention_png=report_figure(
            "retention", "Data and measurement", "Sample and missing data", "Retention"
        ),
        retention_svg="results/figures/retention.svg",
    log:
        "logs/figures.log",
    conda:
        CONDA_ENV
    params:
        labels=labels(),
    script:
        "../scripts/figures.py"


rule provenance:
    input:
        **raw_files(),
        code=rule_code("provenance"),
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
        commit=lambda wildcards: git_state(workflow.basedir)["commit"],
        config_sha256=config_hash(config),
        data_source=config["data"]["source"],
    script:
        "../scripts/provenance.py"


rule variables:
    input:
        code=rule_code("variables"),
        sample="results/tables/sample.csv",
        retention="results/measurement/retention.csv",
        icc="results/measurement/icc.csv",
        lagged=expand("results/models/riclpm_{alliance}/lagged.csv", alliance=ALLIANCE),
        fit=expand("results/models/riclpm_{alliance}/fit.csv", alliance=ALLIANCE),
        diagnostics=expand(
            "results/models/riclpm_{alliance}/diagnostics.json", alliance=ALLIANCE
        ),
        indirect=expand(
            "results/models/riclpm_{alliance}/indirect.csv", alliance=ALLIANCE
        ),
        claims="results/tables/claims.csv",
        recovery="results/recovery/summary.csv",
        provenance="results/provenance.json",
    output:
        variables=f"{MANUSCRIPT_DIR}/_variables.yml",
        banner=f"{GENERATED}/banner.md",
    log:
        "logs/variables.log",
    conda:
        CONDA_ENV
    params:
        raters=raters(),
        seed=config["seed"],
        data=study_data(),
        model=model_roles(),
        min_domains=config["instruments"][config["model"]["depression"]].get(
            "min_domains", ""
        ),
        recovery=config["recovery"],
    script:
        "../scripts/variables.py"
