rule fit_riclpm:
    input:
        code=rule_code("fit_riclpm"),
        wide="results/scores/wide_panel.csv",
    output:
        estimates="results/models/riclpm_{alliance}/estimates.csv",
        lagged="results/models/riclpm_{alliance}/lagged.csv",
        ri_correlations="results/models/riclpm_{alliance}/ri_correlations.csv",
        lagged_vcov="results/models/riclpm_{alliance}/lagged_vcov.csv",
        fit="results/models/riclpm_{alliance}/fit.csv",
        diagnostics="results/models/riclpm_{alliance}/diagnostics.json",
    log:
        "logs/fit_riclpm_{alliance}.log",
    conda:
        CONDA_ENV
    params:
        constructs=model_params,
        waves=config["model"]["waves"],
        lagged=config["model"]["lagged"],
    script:
        "../scripts/fit_riclpm.py"


# Replicates are scattered over jobs so that they use every core, or a cluster.
rule bootstrap_chunk:
    input:
        code=rule_code("bootstrap_chunk"),
        wide="results/scores/wide_panel.csv",
    output:
        "results/bootstrap/riclpm_{alliance}/{scatteritem}.csv",
    log:
        "logs/bootstrap_{alliance}_{scatteritem}.log",
    conda:
        CONDA_ENV
    params:
        constructs=model_params,
        waves=config["model"]["waves"],
        seeds=bootstrap_seeds,
    script:
        "../scripts/bootstrap_chunk.py"


rule indirect:
    input:
        code=rule_code("indirect"),
        estimates="results/models/riclpm_{alliance}/estimates.csv",
        vcov="results/models/riclpm_{alliance}/lagged_vcov.csv",
        chunks=gather.bootstrap(
            "results/bootstrap/riclpm_{{alliance}}/{scatteritem}.csv"
        ),
    output:
        indirect="results/models/riclpm_{alliance}/indirect.csv",
        replicates="results/bootstrap/riclpm_{alliance}/replicates.csv",
    log:
        "logs/indirect_{alliance}.log",
    conda:
        CONDA_ENV
    params:
        draws=config["monte_carlo"]["draws"],
        replications=config["bootstrap"]["replications"],
        seed=lambda wildcards: derive_seed(
            config["seed"], "monte_carlo", wildcards.alliance
        ),
    script:
        "../scripts/indirect.py"


rule sensitivity:
    input:
        code=rule_code("sensitivity"),
        wide="results/scores/wide_panel.csv",
    output:
        comparison="results/models/riclpm_{alliance}/sensitivity_comparison.csv",
        models="results/models/riclpm_{alliance}/sensitivity_models.csv",
    log:
        "logs/sensitivity_{alliance}.log",
    conda:
        CONDA_ENV
    params:
        constructs=model_params,
        waves=config["model"]["waves"],
        group_column="arm",
    script:
        "../scripts/sensitivity.py"


# Reviewers' check against lavaan (`make crosscheck`); needs R with lavaan.
rule lavaan_crosscheck:
    input:
        code=rule_code("lavaan_crosscheck"),
        r_code=f"{ENGINE_DIR}/R/lavaan_fit.R",
        wide="results/scores/wide_panel.csv",
    output:
        comparison="results/models/riclpm_{alliance}/lavaan_comparison.csv",
    log:
        "logs/lavaan_crosscheck_{alliance}.log",
    conda:
        CONDA_ENV
    params:
        constructs=model_params,
        waves=config["model"]["waves"],
        lagged=config["model"]["lagged"],
    script:
        "../scripts/lavaan_crosscheck.py"


rule crosscheck:
    input:
        expand(
            "results/models/riclpm_{alliance}/lavaan_comparison.csv",
            alliance=ALLIANCE,
        ),
