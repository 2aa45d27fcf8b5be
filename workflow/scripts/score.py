"""Rule score: validated item tables -> long scores, wide panel, exclusions."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

from panelsem.io import write_csv  # noqa: E402
from panelstudy.scoring import exclusions, read_validated, score_all, wide_panel  # noqa: E402

instruments = snakemake.params.instruments
validated = {key: read_validated(snakemake.input[key]) for key in instruments}
scores = score_all(validated, instruments)
missing = exclusions(scores)
write_csv(scores, snakemake.output.scores)
write_csv(wide_panel(scores, instruments), snakemake.output.wide)
write_csv(missing, snakemake.output.exclusions)
note(f"scored {len(scores)} participant-weeks; {len(missing)} missing, reasons in {snakemake.output.exclusions}")
