# Parameter recovery: replications scattered over jobs, gathered into a table and figure.


rule recovery_chunk:
    input:
        code=rule_code("rule_recovery_chunk.py"),
    output:
        "results/recovery/chunks/{scatteritem}.csv",
    log:
        "logs/recovery/{scatteritem}.log",
    conda:
        CONDA_ENV
    params:
        config_digest=config_digest(
            "seed",
            "data",
            "instruments",
            "model",
            "synthetic",
            "recovery",
            "monte_carlo",
        ),
    script:
        "../../scripts/rule_recovery_chunk.py"


rule recovery:
    input:
        code=rule_code("rule_recovery.py"),
        chunks=gather.recovery("results/recovery/chunks/{scatteritem}.csv"),
    output:
        replications="results/recovery/replications.csv",
        summary="results/recovery/summary.csv",
        table_csv=report_table(
            "recovery", "Parameter recovery", "Recovery study", "Bias and coverage"
        ),
        table_md=f"{GENERATED}/tables/recovery.md",
        png=report_figure(
            "recovery", "Parameter recovery", "Recovery study", "Bias and coverage"
        ),
        svg="results/figures/recovery.svg",
    log:
        "logs/recovery.log",
    conda:
        CONDA_ENV
    params:
        config_digest=config_digest(
            "data", "instruments", "model", "synthetic", "recovery", "monte_carlo"
        ),
    script:
        "../../scripts/rule_recovery.py"
