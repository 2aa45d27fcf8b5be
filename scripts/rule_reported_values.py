"""Snakemake: every reported value (variables file, results tables) as source, item, value."""

from verification import excluded, reported_values, write_values

values = reported_values(list(snakemake.input.reported))  # noqa: F821
values = values[~excluded(values, list(snakemake.params.exclude))]  # noqa: F821
write_values(values, snakemake.output[0])  # noqa: F821
