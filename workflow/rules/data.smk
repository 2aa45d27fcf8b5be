if SYNTHETIC:

    rule simulate:
        input:
            code=rule_code("simulate"),
        output:
            **raw_files(),
            population="resources/synthetic/population.json",
        log:
            "logs/simulate.log",
        conda:
            CONDA_ENV
        params:
            design=params.simulation(config),
            seed=rule_seed("simulate"),
        script:
            "../scripts/simulate.py"


checkpoint validate:
    input:
        unpack(present_raw_files),
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
        contract=params.contract(config),
        # The folder of the raw files, searched for files that no instrument reads.
        raw_dir=RAW_DIR,
        ignore_files=config["data"].get("ignore_files", []),
        checks=params.premodel(config),
    script:
        "../scripts/validate.py"
