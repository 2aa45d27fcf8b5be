# Parameter recovery: replications scattered over jobs, gathered into a table and figure.
# Two studies of the same design: "main", the supplement's, and "check", the larger
# one of `make recovery-check`, whose coverage against the pseudo-true values is checked.


wildcard_constraints:
    study="main|check",


rule recovery_chunk:
    input:
        code=rule_code("recovery_chunk"),
        validated=after_validation(),
    output:
        "results/recovery/{study}/chunks/{scatteritem}.csv",
    log:
        "logs/recovery/{study}/{scatteritem}.log",
    conda:
        CONDA_ENV
    params:
        design=lambda wildcards: params.recovery(config, wildcards.study),
        scatteritem=lambda wildcards: wildcards.scatteritem,
    script:
        "../scripts/recovery_chunk.py"


rule recovery:
    input:
        code=rule_code("recovery"),
        chunks=gather.recovery("results/recovery/main/chunks/{scatteritem}.csv"),
        pseudo_true="results/truth/pseudo_true.csv",
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
        pseudo_true_csv=report_table(
            "pseudo_true",
            "Parameter recovery",
            "Pseudo-true values",
            "Latent and pseudo-true values",
        ),
        pseudo_true_md=f"{GENERATED}/tables/pseudo_true.md",
    log:
        "logs/recovery.log",
    conda:
        CONDA_ENV
    params:
        model=design.primary_model(config)["id"],
        model_labels=model_labels(),
        names={p.short: p.name for p in design.processes(config)},
        recovery=params.recovery_settings(config),
    script:
        "../scripts/recovery.py"


# `make recovery-check`: not part of the default build.
rule recovery_check:
    input:
        code=rule_code("recovery_check"),
        chunks=gather.recovery("results/recovery/check/chunks/{scatteritem}.csv"),
        pseudo_true="results/truth/pseudo_true.csv",
    output:
        replications="results/recovery/check/replications.csv",
        summary="results/recovery/check/summary.csv",
        verdict="results/recovery/check/verdict.txt",
    log:
        "logs/recovery_check.log",
    conda:
        CONDA_ENV
    params:
        model=design.primary_model(config)["id"],
        names={p.short: p.name for p in design.processes(config)},
        recovery=params.recovery_settings(config, "check"),
    script:
        "../scripts/recovery_check.py"
