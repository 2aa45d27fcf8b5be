rule fit_riclpm:
    input:
        code=rule_code("rule_fit.py"),
        wide="results/scores/wide_panel.csv",
    output:
        estimates="results/models/riclpm_{alliance}/estimates.csv",
        lagged="results/models/riclpm_{alliance}/lagged.csv",
        fit="results/models/riclpm_{alliance}/fit.csv",
        diagnostics="results/models/riclpm_{alliance}/diagnostics.json",
    log:
        "logs/fit_riclpm_{alliance}.log",
    conda:
        CONDA_ENV
    params:
        constructs=lambda wc: {
            "A": wc.alliance,
            "E": config["model"]["regulation"],
            "D": config["model"]["depression"],
        },
        waves=config["model"]["waves"],
        lagged=config["model"]["lagged"],
    script:
        "../../scripts/rule_fit.py"
