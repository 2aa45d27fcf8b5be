# `make verify`: every reported number of a rebuild against the committed reference.


# Per document (verification.documents): its variables file and its results tables.
REPORTED_BY_DOCUMENT = {
    "paper": [
        f"{MANUSCRIPT_DIR}/_variables.yml",
        *reported_tables(rules.tables, rules.claims, rules.recovery),
    ],
    "planning": [PLANNING_VARIABLES, *reported_tables(rules.power_summary)],
}
REPORTED = [
    path
    for document in config["verification"]["documents"]
    for path in REPORTED_BY_DOCUMENT[document]
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
