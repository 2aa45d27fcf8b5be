"""Rule measurement: reliability (table and figure), descriptives, retention, ICCs."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import pandas as pd  # noqa: E402

from panelreport.figures import plot_reliability  # noqa: E402
from panelsem.io import write_csv  # noqa: E402
from panelstudy.descriptives import descriptives_by_arm_week, icc_table, retention_by_week  # noqa: E402
from panelstudy.reliability import reliability_table  # noqa: E402
from panelstudy.scoring import read_validated  # noqa: E402

params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
instruments = params.instruments
validated = {key: read_validated(inputs[key]) for key in instruments}
scores = pd.read_csv(inputs.scores, dtype={"id": str, "arm": str}, keep_default_na=False, na_values=[""])

reliability = reliability_table(validated, instruments)
write_csv(reliability, outputs.reliability)
plot_reliability(reliability, outputs.reliability_png, outputs.reliability_svg, params.labels)
write_csv(descriptives_by_arm_week(scores, list(instruments)), outputs.descriptives)
write_csv(retention_by_week(scores, validated, instruments), outputs.retention)
write_csv(icc_table(scores, instruments, params.waves, params.constructs), outputs.icc)
heywood = [f"{row.instrument} week {row.week}" for row in reliability[reliability["heywood"]].itertuples()]
note(f"reliability for {len(reliability)} instrument-weeks; Heywood cases: {', '.join(heywood) or 'none'}")
