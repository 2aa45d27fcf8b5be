"""Rule parcels: the item parcels' wide panel, the indicators of the multiple-indicator RI-CLPM."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelsem.io import write_csv  # noqa: E402
from panelstudy.parcels import parcel_panel  # noqa: E402
from panelstudy.scoring import read_validated  # noqa: E402

instruments = snakemake.params.instruments
validated = {key: read_validated(snakemake.input[key]) for key in instruments}
scores = pd.read_csv(snakemake.input.scores, dtype={"id": str, "arm": str}, keep_default_na=False, na_values=[""])
panel = parcel_panel(validated, instruments, scores)
write_csv(panel, snakemake.output[0])
note(f"{len(panel.columns) - 2} parcel columns for {len(panel)} participants")
