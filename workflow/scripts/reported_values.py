"""Rule reported_values: every reported value (variables file, results tables) as source, item, value."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

from panelreport.verification import excluded, reported_values, write_values  # noqa: E402

values = reported_values(list(snakemake.input.reported))
values = values[~excluded(values, list(snakemake.params.exclude))]
write_values(values, snakemake.output[0])
