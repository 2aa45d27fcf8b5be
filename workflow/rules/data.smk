if SYNTHETIC:

    rule simulate:
        input:
            code=rule_code("rule_simulate.py"),
        output:
            **raw_files(),
            truth="resources/synthetic/truth.json",
        log:
            "logs/simulate.log",
        conda:
            CONDA_ENV
        params:
            config_digest=config_digest("data", "instruments", "model", "synthetic"),
            seed=rule_seed("simulate"),
        script:
            "../../scripts/rule_simulate.py"


rule validate:
    input:
        **raw_files(),
        code=rule_code("rule_validate.py"),
    output:
        **validated_files(),
        intake="results/data/intake.csv",
        contract="results/data/contract.json",
    log:
        "logs/validate.log",
    conda:
        CONDA_ENV
    params:
        config_digest=config_digest("data", "instruments"),
    script:
        "../../scripts/rule_validate.py"
