"""Rule recovery_check: the larger recovery study's coverage against the pseudo-true values."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelreport.recovery_report import check_verdict  # noqa: E402
from panelsem.io import write_csv  # noqa: E402
from panelstudy.recovery import gather_replications, summarise, targets  # noqa: E402

params, out = snakemake.params, snakemake.output
results = gather_replications(snakemake.input.chunks, params.recovery["replications"])
summary = summarise(results, targets(pd.read_csv(snakemake.input.pseudo_true), params.model), dict(params.names))
write_csv(results, out.replications)
write_csv(summary, out.summary)
lines, _ = check_verdict(summary)
Path(out.verdict).write_text("\n".join(lines) + "\n")
for line in lines:
    note(line)
