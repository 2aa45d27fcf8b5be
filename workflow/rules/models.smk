rule fit_riclpm:
    input:
        code=rule_code("rule_fit.py"),
        wide="results/scores/wide_panel.csv",
    output:
        estimates="results/models/riclpm_{alliance}/estimates.csv",
        lagged="results/models/riclpm_{alliance}/lagged.csv",
        ri_correlations="results/models/riclpm_{alliance}/ri_correlations.csv",
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
