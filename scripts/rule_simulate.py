"""Snakemake: generate the synthetic trial into the declared raw files and truth JSON."""

from pathlib import Path

from synthetic_trial import simulate_trial, write_trial

config = snakemake.config  # noqa: F821
tables, truth = simulate_trial(config, int(snakemake.params.seed))  # noqa: F821
out_dir = Path(snakemake.output[next(iter(tables))]).parent  # noqa: F821
written = write_trial(tables, truth, out_dir, snakemake.output.truth, config)  # noqa: F821
undeclared = {key: path for key, path in written.items() if Path(path) != Path(snakemake.output[key])}  # noqa: F821
if undeclared:
    raise RuntimeError(f"the rule's outputs disagree with config instruments.<key>.file: {undeclared}")
