"""Rule simulate: the synthetic trial into the declared raw files, and its population JSON."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

from pathlib import Path  # noqa: E402

from panelstudy.synthetic import simulate_trial, write_trial  # noqa: E402

design = snakemake.params.design
raw = {Path(snakemake.output[key]) for key in design["instruments"]}
# The synthetic folder is ours: files of an earlier config's trial would fail
# validation as unread files, so they go, each named in the log.
for folder in {path.parent for path in raw}:
    for stale in sorted(set(folder.glob("*.csv")) - raw):
        stale.unlink()
        note(f"removed {stale}, a file of another config's synthetic trial")
tables, truth = simulate_trial(design, int(snakemake.params.seed))
write_trial(tables, truth, {key: snakemake.output[key] for key in design["instruments"]}, snakemake.output.population)
note(f"simulated {sum(len(t) for t in tables.values())} rows in {len(tables)} files")
