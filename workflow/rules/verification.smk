# `make verify`: every reported number of a rebuild against the committed reference.

REPORTED = [
    f"{MANUSCRIPT_DIR}/_variables.yml",
    *sorted(
        path
        for table_rule in (rules.tables, rules.claims, rules.recovery)
        for path in table_rule.output
        if path.startswith("results/tables/") and path.endswith(".csv")
    ),
]


rule reported_values:
    input:
        code=rule_code("reported_values"),
        reported=REPORTED,
    output:
        "results/verification/reported.csv",
    log:
        "logs/reported_values.log",
    conda:
        CONDA_ENV
    params:
        exclude=config["verification"]["exclude"],
    script:
        "../scripts/reported_values.py"


rule verify:
    input:
        code=rule_code("verify"),
        reported="results/verification/reported.csv",
        reference=config["verification"]["reference"],
    output:
        "results/verification/verified.txt",
    log:
        "logs/verify.log",
    conda:
        CONDA_ENV
    params:
        tolerance=config["verification"]["tolerance"],
        exclude=config["verification"]["exclude"],
    script:
        "../scripts/verify.py"
