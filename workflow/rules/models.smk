rule fit_riclpm:
    input:
        code=rule_code("fit_riclpm"),
        wide="results/scores/wide_panel.csv",
    output:
        estimates="results/models/riclpm_{model}/estimates.csv",
        lagged="results/models/riclpm_{model}/lagged.csv",
        ri_correlations="results/models/riclpm_{model}/ri_correlations.csv",
        lagged_vcov="results/models/riclpm_{model}/lagged_vcov.csv",
        fit="results/models/riclpm_{model}/fit.csv",
        diagnostics="results/models/riclpm_{model}/diagnostics.json",
    log:
        "logs/fit_riclpm_{model}.log",
    conda:
        CONDA_ENV
    params:
        constructs=model_constructs,
        waves=config["model"]["waves"],
        lagged=config["model"]["lagged"],
        arms=config["model"]["arms"],
        se=config["model"]["se"],
    script:
        "../scripts/fit_riclpm.py"


# Replicates are scattered over jobs so that they use every core, or a cluster.
rule bootstrap_chunk:
    input:
        code=rule_code("bootstrap_chunk"),
        wide="results/scores/wide_panel.csv",
    output:
        "results/bootstrap/riclpm_{model}/{scatteritem}.csv",
    log:
        "logs/bootstrap_{model}_{scatteritem}.log",
    conda:
        CONDA_ENV
    params:
        constructs=model_constructs,
        waves=config["model"]["waves"],
        arms=config["model"]["arms"],
        parameters=sorted({p for chain in CHAINS for p in chain["parameters"]}),
        seeds=bootstrap_seeds,
    script:
        "../scripts/bootstrap_chunk.py"


rule indirect:
    input:
        code=rule_code("indirect"),
        estimates="results/models/riclpm_{model}/estimates.csv",
        vcov="results/models/riclpm_{model}/lagged_vcov.csv",
        chunks=gather.bootstrap("results/bootstrap/riclpm_{{model}}/{scatteritem}.csv"),
    output:
        indirect="results/models/riclpm_{model}/indirect.csv",
        replicates="results/bootstrap/riclpm_{model}/replicates.csv",
    log:
        "logs/indirect_{model}.log",
    conda:
        CONDA_ENV
    params:
        chains=[{"parameters": c["parameters"]} for c in CHAINS],
        draws=config["monte_carlo"]["draws"],
        replications=config["bootstrap"]["replications"] if CHAINS else 0,
        seed=lambda wildcards: derive_seed(
            config["seed"], "monte_carlo", wildcards.model
        ),
    script:
        "../scripts/indirect.py"


rule sensitivity:
    input:
        code=rule_code("sensitivity"),
        wide="results/scores/wide_panel.csv",
        parcels="results/scores/parcels.csv" if PARCELLED else [],
    output:
        comparison="results/models/riclpm_{model}/sensitivity_comparison.csv",
        models="results/models/riclpm_{model}/sensitivity_models.csv",
    log:
        "logs/sensitivity_{model}.log",
    conda:
        CONDA_ENV
    params:
        constructs=model_constructs,
        waves=config["model"]["waves"],
        arms=config["model"]["arms"],
        multigroup=config["model"]["multigroup"],
        min_coverage=config["model"]["min_coverage"],
        se=config["model"]["se"],
        effects=design.effects(config),
        indicators=model_indicators,
    script:
        "../scripts/sensitivity.py"


# Reviewers' check against lavaan (`make crosscheck`); needs R with lavaan.
rule lavaan_crosscheck:
    input:
        code=rule_code("lavaan_crosscheck"),
        r_code=f"{ENGINE_DIR}/R/lavaan_fit.R",
        wide="results/scores/wide_panel.csv",
    output:
        comparison="results/models/riclpm_{model}/lavaan_comparison.csv",
    log:
        "logs/lavaan_crosscheck_{model}.log",
    conda:
        CONDA_ENV
    params:
        constructs=model_constructs,
        waves=config["model"]["waves"],
        lagged=config["model"]["lagged"],
        arms=config["model"]["arms"],
        se=config["model"]["se"],
    script:
        "../scripts/lavaan_crosscheck.py"


rule crosscheck:
    input:
        per_model("results/models/riclpm_{model}/lavaan_comparison.csv"),
