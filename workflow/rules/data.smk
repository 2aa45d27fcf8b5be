if SYNTHETIC:

    rule simulate:
        input:
            code=rule_code("simulate"),
        output:
            **raw_files(),
            truth="resources/synthetic/truth.json",
        log:
            "logs/simulate.log",
        conda:
            CONDA_ENV
        params:
            design=simulation_design(),
            seed=rule_seed("simulate"),
        script:
            "../scripts/simulate.py"


rule validate:
    input:
        **raw_files(),
        code=rule_code("validate"),
    output:
        **validated_files(),
        intake="results/data/intake.csv",
        contract="results/data/contract.json",
    log:
        "logs/validate.log",
    conda:
        CONDA_ENV
    params:
        contract=contract_rules(),
    script:
        "../scripts/validate.py"
