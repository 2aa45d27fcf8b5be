# Parameter recovery: replications scattered over jobs, gathered into a table and figure.


rule recovery_chunk:
    input:
        code=rule_code("recovery_chunk"),
        validated=after_validation(),
    output:
        "results/recovery/chunks/{scatteritem}.csv",
    log:
        "logs/recovery/{scatteritem}.log",
    conda:
        CONDA_ENV
    params:
        design=params.recovery(config),
        scatteritem=lambda wildcards: wildcards.scatteritem,
    script:
        "../scripts/recovery_chunk.py"


rule recovery:
    input:
        code=rule_code("recovery"),
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
        lagged_effects=config["synthetic"]["lagged_effects"],
        shorts=[p.short for p in design.processes(config)],
        names={p.short: p.name for p in design.processes(config)},
        chains=[{"parameters": c["parameters"]} for c in CHAINS],
        replications=config["recovery"]["replications"],
        bootstrap=config["recovery"]["bootstrap"],
    script:
        "../scripts/recovery.py"
