if SYNTHETIC:

    rule simulate:
        input:
            code=rule_code("rule_simulate.py"),
        output:
            **raw_files(),
            truth="resources/synthetic/truth.json",
        params:
            seed=rule_seed("simulate"),
        log:
            "logs/simulate.log",
        script:
            "../../scripts/rule_simulate.py"


rule validate:
    input:
        code=rule_code("rule_validate.py"),
        **raw_files(),
    output:
        **validated_files(),
        intake="results/data/intake.csv",
        contract="results/data/contract.json",
    log:
        "logs/validate.log",
    script:
        "../../scripts/rule_validate.py"
