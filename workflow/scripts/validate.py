"""Rule validate: the raw files against the data contract; typed data, the intake
table and the machine-readable contract."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.data_contract import describe_contract, intake_table, validate_inputs, write_validated  # noqa: E402

params = snakemake.params
contract = params.contract
paths = {key: snakemake.input[key] for key in contract["instruments"]}
validated = validate_inputs(paths, contract, raw_dir=params.raw_dir, ignore_files=params.ignore_files)
for key, frame in validated.items():
    write_validated(frame, snakemake.output[key], contract, key)
write_csv(intake_table(validated, paths, contract), snakemake.output.intake)
Path(snakemake.output.contract).write_text(json.dumps(describe_contract(contract), indent=2) + "\n")
note(f"validated {sum(len(f) for f in validated.values())} rows in {len(paths)} files")
