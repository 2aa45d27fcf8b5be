# What the analysis is compared with on synthetic data: the population's latent values
# (rule simulate) and the pseudo-true values the analysis converges to.


# Keyed on the population, the design and the analysis (its params): computed once,
# for every data source, since the recovery study compares with it too.
rule pseudo_true:
    input:
        code=rule_code("pseudo_true"),
        validated=after_validation(),
    output:
        "results/truth/pseudo_true.csv",
    log:
        "logs/pseudo_true.log",
    conda:
        CONDA_ENV
    params:
        design=params.pseudo_true(config),
        size=config["pseudo_true"],
        seed=rule_seed("pseudo_true"),
    script:
        "../scripts/pseudo_true.py"


if SYNTHETIC:

    rule truth:
        input:
            code=rule_code("truth"),
            population="resources/synthetic/population.json",
            pseudo_true="results/truth/pseudo_true.csv",
        output:
            "resources/synthetic/truth.json",
        log:
            "logs/truth.log",
        conda:
            CONDA_ENV
        script:
            "../scripts/truth.py"
