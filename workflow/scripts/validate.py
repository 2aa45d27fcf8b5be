"""Rule validate: the raw files against the data contract, then the checks before any
model; typed data, the intake table and the machine-readable contract. On any problem:
the table of problems and a summary line, to the terminal and the log, and no output."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.data_contract import (  # noqa: E402
    DataValidationError,
    describe_contract,
    input_paths,
    intake_table,
    summary_line,
    write_validated,
)
from panelstudy.premodel import validate_for_models  # noqa: E402

params = snakemake.params
contract = params.contract
paths = input_paths(contract, params.raw_dir)
try:
    validated = validate_for_models(paths, contract, params.checks, params.raw_dir, params.ignore_files)
except DataValidationError as failure:
    # The table is the message: a traceback would only bury it.
    note(str(failure))
    note(f"{summary_line(failure.errors)}. This report is also in {snakemake.log[0]}.")
    sys.exit(1)
for key, frame in validated.items():
    write_validated(frame, snakemake.output[key], contract, key)
write_csv(intake_table(validated, paths, contract), snakemake.output.intake)
Path(snakemake.output.contract).write_text(json.dumps(describe_contract(contract), indent=2) + "\n")
note(f"validated {sum(len(f) for f in validated.values())} rows in {len(paths)} files")
