rule fit_riclpm:
    input:
        code=rule_code("rule_fit.py"),
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
        "../../scripts/rule_fit.py"


# Replicates are scattered over chunks so that they use every core, or a cluster.
rule bootstrap_chunk:
    input:
        code=rule_code("rule_bootstrap_chunk.py"),
        wide="results/scores/wide_panel.csv",
    output:
        "results/bootstrap/riclpm_{alliance}/chunk_{chunk}.csv",
    log:
        "logs/bootstrap_{alliance}_{chunk}.log",
    conda:
        CONDA_ENV
    params:
        constructs=model_params,
        waves=config["model"]["waves"],
        seeds=lambda wildcards: bootstrap_seeds(int(wildcards.chunk)),
    script:
        "../../scripts/rule_bootstrap_chunk.py"


rule indirect:
    input:
        code=rule_code("rule_indirect.py"),
        estimates="results/models/riclpm_{alliance}/estimates.csv",
        vcov="results/models/riclpm_{alliance}/lagged_vcov.csv",
        chunks=expand(
            "results/bootstrap/riclpm_{{alliance}}/chunk_{chunk}.csv",
            chunk=range(config["bootstrap"]["chunks"]),
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
        seed=lambda wildcards: derive_seed(
            config["seed"], "monte_carlo", wildcards.alliance
        ),
    script:
        "../../scripts/rule_indirect.py"


rule sensitivity:
    input:
        code=rule_code("rule_sensitivity.py"),
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
        "../../scripts/rule_sensitivity.py"


# Reviewers' check against lavaan (`make crosscheck`); needs R with lavaan.
rule lavaan_crosscheck:
    input:
        code=rule_code("rule_lavaan_crosscheck.py"),
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
        "../../scripts/rule_lavaan_crosscheck.py"


rule crosscheck:
    input:
        expand(
            "results/models/riclpm_{alliance}/lavaan_comparison.csv",
            alliance=ALLIANCE,
        ),
