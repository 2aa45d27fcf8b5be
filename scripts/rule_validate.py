"""Snakemake: validate the raw files; write typed data, the intake table and the contract."""

import json
from pathlib import Path

from data_contract import DataValidationError, describe_contract, intake_table, validate_inputs, write_validated

config = snakemake.config  # noqa: F821
paths = {key: snakemake.input[key] for key in config["instruments"]}  # noqa: F821
log = Path(snakemake.log[0])  # noqa: F821
try:
    validated = validate_inputs(paths, config)
except DataValidationError as exc:
    log.write_text(str(exc) + "\n", encoding="utf-8")
    raise
for key, frame in validated.items():
    write_validated(frame, snakemake.output[key], config, key)  # noqa: F821
intake = intake_table(validated, paths, config)
intake.to_csv(snakemake.output.intake, index=False, lineterminator="\n")  # noqa: F821
Path(snakemake.output.contract).write_text(json.dumps(describe_contract(config), indent=2) + "\n")  # noqa: F821
log.write_text(f"validated {sum(len(f) for f in validated.values())} rows in {len(paths)} files\n", encoding="utf-8")
