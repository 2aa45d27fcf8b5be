"""Rule simulate: the synthetic trial into the declared raw files, and its population JSON."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

from panelstudy.synthetic import simulate_trial, write_trial  # noqa: E402

design = snakemake.params.design
tables, truth = simulate_trial(design, int(snakemake.params.seed))
write_trial(tables, truth, {key: snakemake.output[key] for key in design["instruments"]}, snakemake.output.population)
note(f"simulated {sum(len(t) for t in tables.values())} rows in {len(tables)} files")
