rule score:
    input:
        **validated_files(),
        code=rule_code("rule_score.py"),
    output:
        scores="results/scores/scores_long.csv",
        wide="results/scores/wide_panel.csv",
        exclusions="results/scores/exclusions.csv",
    log:
        "logs/score.log",
    conda:
        CONDA_ENV
    params:
        config_digest=config_digest("data", "instruments"),
    script:
        "../../scripts/rule_score.py"


rule measurement:
    input:
        **validated_files(),
        code=rule_code("rule_measurement.py"),
        scores="results/scores/scores_long.csv",
    output:
        reliability="results/measurement/reliability.csv",
        descriptives="results/measurement/descriptives.csv",
        retention="results/measurement/retention.csv",
        icc="results/measurement/icc.csv",
        reliability_png=report_figure(
            "reliability",
            "Data and measurement",
            "Measurement",
            "Reliability by week",
        ),
        reliability_svg="results/figures/reliability.svg",
    log:
        "logs/measurement.log",
    conda:
        CONDA_ENV
    params:
        config_digest=config_digest("data", "instruments", "model"),
    script:
        "../../scripts/rule_measurement.py"
