rule score:
    input:
        **validated_files(),
        code=rule_code("score"),
    output:
        scores="results/scores/scores_long.csv",
        wide="results/scores/wide_panel.csv",
        exclusions="results/scores/exclusions.csv",
    log:
        "logs/score.log",
    conda:
        CONDA_ENV
    params:
        instruments=params.scoring(config),
    script:
        "../scripts/score.py"


# Item parcels: the indicators of the multiple-indicator RI-CLPM (sensitivity).
rule parcels:
    input:
        **{key: validated_files()[key] for key in PARCELLED},
        code=rule_code("parcels"),
        scores="results/scores/scores_long.csv",
    output:
        "results/scores/parcels.csv",
    log:
        "logs/parcels.log",
    conda:
        CONDA_ENV
    params:
        instruments=params.parcelling(config),
    script:
        "../scripts/parcels.py"


rule measurement:
    input:
        **validated_files(),
        code=rule_code("measurement"),
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
        instruments=params.scoring(config),
        constructs=instrument_processes(),
        labels=labels(),
        waves=config["model"]["waves"],
    script:
        "../scripts/measurement.py"
