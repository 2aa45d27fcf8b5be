"""Rule provenance: what produced the results (results/provenance.json, and its table)."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

from pathlib import Path  # noqa: E402

from panelreport.provenance import provenance, write_provenance  # noqa: E402
from panelreport.tables import provenance_markdown  # noqa: E402

inp, params = snakemake.input, snakemake.params
# The raw files are hashed; the validated ones are inputs only so that nothing is recorded
# of files that fail the contract.
data_files = {key.removeprefix("raw_"): inp[key] for key in inp.keys() if key.startswith("raw_")}
data_files |= {f"ignored: {Path(path).name}": path for path in inp.ignored}
requirements = Path(inp.requirements)
record = provenance(params.config_sha256, params.data_source, data_files, requirements.resolve().parent, requirements)
write_provenance(record, snakemake.output.json)
Path(snakemake.output.md).write_text(provenance_markdown(record))
