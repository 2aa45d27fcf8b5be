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
# What the tables reveal of real participants (a data source of "raw").
PRIVACY = {"settings": config["privacy"], "source": config["data"]["source"]}


rule tables:
    input:
        code=rule_code("tables"),
        intake="results/data/intake.csv",
        reliability="results/measurement/reliability.csv",
        descriptives="results/measurement/descriptives.csv",
        icc="results/measurement/icc.csv",
        scores="results/scores/scores_long.csv",
        lagged=per_model("results/models/riclpm_{model}/lagged.csv"),
        fit=per_model("results/models/riclpm_{model}/fit.csv"),
        diagnostics=per_model("results/models/riclpm_{model}/diagnostics.json"),
        ri_correlations=per_model("results/models/riclpm_{model}/ri_correlations.csv"),
    output:
        csv=[report_table(table, *TABLE_PLACES[table]) for table in TABLES],
        md=expand(f"{GENERATED}/tables/{{table}}.md", table=TABLES),
    log:
        "logs/tables.log",
    conda:
        CONDA_ENV
    params:
        tables=TABLES,
        models=model_labels(),
        labels=labels(),
        names=process_labels(),
        directions={model: design.directions(config, m) for model, m in MODELS.items()},
        arms=config["data"]["arms"],
        modelled_arms=config["model"]["arms"],
        given={
            key: inst.get("arms", design.arm_names(config))
            for key, inst in config["instruments"].items()
        },
        waves=config["model"]["waves"],
        outcome=outcome_instrument(),
        outcome_label=labels()[outcome_instrument()],
        outcome_first_week=min(config["instruments"][outcome_instrument()]["weeks"]),
        privacy=PRIVACY,
    script:
        "../scripts/tables.py"


rule claims:
    input:
        code=rule_code("claims"),
        lagged=per_model("results/models/riclpm_{model}/lagged.csv"),
        indirect=per_model("results/models/riclpm_{model}/indirect.csv"),
        diagnostics=per_model("results/models/riclpm_{model}/diagnostics.json"),
        sensitivity_comparison=per_model(
            "results/models/riclpm_{model}/sensitivity_comparison.csv"
        ),
        sensitivity_models=per_model(
            "results/models/riclpm_{model}/sensitivity_models.csv"
        ),
        truth="resources/synthetic/truth.json" if SYNTHETIC else [],
    output:
        claims_csv=report_table(
            "claims", "Hypotheses", "Claims", "The hypotheses and their verdicts"
        ),
        claims_md=f"{GENERATED}/tables/claims.md",
        indirect_csv=report_table(
            "indirect", "Hypotheses", "Intervals", "Indirect effects"
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
        models={model: m["instruments"] for model, m in MODELS.items()},
        model_labels=model_labels(),
        tests=design.tests(config),
        correction=config["hypotheses"]["correction"],
        alpha=config["hypotheses"]["alpha"],
        chains=chain_words(),
        effects=design.effects(config),
        names=process_labels(),
    script:
        "../scripts/claims.py"


rule bootstrap_figure:
    input:
        code=rule_code("bootstrap_figure"),
        replicates=per_model("results/bootstrap/riclpm_{model}/replicates.csv"),
        indirect=per_model("results/models/riclpm_{model}/indirect.csv"),
    output:
        png=report_figure(
            "bootstrap", "Hypotheses", "Intervals", "Bootstrap distributions"
        ),
        svg="results/figures/bootstrap.svg",
    log:
        "logs/bootstrap_figure.log",
    conda:
        CONDA_ENV
    params:
        models=model_labels(),
        chains=chain_words(),
    script:
        "../scripts/bootstrap_figure.py"


# The first model, whose instruments the path diagram and the trajectories show.
PLOTTED_INSTRUMENTS = list(design.primary_model(config)["instruments"].values())


rule model_figures:
    input:
        code=rule_code("model_figures"),
        lagged=per_model("results/models/riclpm_{model}/lagged.csv"),
        diagnostics=per_model("results/models/riclpm_{model}/diagnostics.json"),
    output:
        paths_png=report_figure(
            "paths", "Models", "Within-person effects", "Path diagram"
        ),
        paths_svg="results/figures/paths.svg",
        forest_png=report_figure(
            "forest", "Models", "Within-person effects", "Standardised effects"
        ),
        forest_svg="results/figures/forest.svg",
    log:
        "logs/model_figures.log",
    conda:
        CONDA_ENV
    params:
        models=model_labels(),
        names=process_labels(),
    script:
        "../scripts/model_figures.py"


if INDIVIDUAL:

    rule individual_figure:
        input:
            code=rule_code("individual_figure"),
            scores="results/scores/scores_long.csv",
        output:
            png=report_figure(
                "individual",
                "Data and measurement",
                "Score trajectories",
                "Individual trajectories",
            ),
            svg="results/figures/individual.svg",
        log:
            "logs/individual_figure.log",
        conda:
            CONDA_ENV
        params:
            instruments=PLOTTED_INSTRUMENTS,
            labels=labels(PLOTTED_INSTRUMENTS),
            waves=config["model"]["waves"],
            n_people=12,
            seed=rule_seed("individual_trajectories"),
        script:
            "../scripts/individual_figure.py"


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
        unpack(hashed_raw_files),
        **validated_files(),
        ignored=ignored_files,
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
        lagged=per_model("results/models/riclpm_{model}/lagged.csv"),
        fit=per_model("results/models/riclpm_{model}/fit.csv"),
        diagnostics=per_model("results/models/riclpm_{model}/diagnostics.json"),
        indirect=per_model("results/models/riclpm_{model}/indirect.csv"),
        claims="results/tables/claims.csv",
        recovery="results/recovery/summary.csv",
        pseudo_true="results/truth/pseudo_true.csv",
        sensitivity_models=per_model(
            "results/models/riclpm_{model}/sensitivity_models.csv"
        ),
        provenance="results/provenance.json",
    output:
        variables=f"{MANUSCRIPT_DIR}/_variables.yml",
        banner=f"{GENERATED}/banner.md",
    log:
        "logs/variables.log",
    conda:
        CONDA_ENV
    params:
        models=model_labels(),
        directions={model: design.directions(config, m) for model, m in MODELS.items()},
        study={
            **{
                key: config["study"][key]
                for key in (
                    "name",
                    "title",
                    "subtitle",
                    "authors",
                    "participants",
                    "design",
                )
                if key in config["study"]
            },
            "seed": config["seed"],
            "data": study_data(),
            "waves": config["model"]["waves"],
            "modelled": design.modelled_instruments(config),
            "outcome_instrument": outcome_instrument(),
            "privacy": config["privacy"],
            "correction": config["hypotheses"]["correction"],
            "processes": process_phrase(),
        },
        recovery=params.recovery_settings(config),
        primary=design.primary_model(config)["id"],
        effects=design.effects(config),
        chains=[c["parameters"] for c in CHAINS],
        names={p.short: p.name for p in design.processes(config)},
    script:
        "../scripts/variables.py"
