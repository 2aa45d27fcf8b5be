"""Rule manuscript_text: the manuscript's generated prose and figure blocks, and the
study's own introduction, discussion and references staged beside them."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

from panelreport import text  # noqa: E402

params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
study = params.study
for name, path in zip(params.texts, outputs.texts):
    Path(path).write_text(getattr(text, name)(study), encoding="utf-8")
for path in outputs.figures:
    name = Path(path).stem
    # A figure the run does not draw (individual trajectories of real data) has an empty block.
    Path(path).write_text(text.figure_block(name) if name in params.figures else "\n", encoding="utf-8")
for name in ("introduction", "discussion"):
    if name in inputs.keys():
        shutil.copyfile(inputs[name], outputs[name])
    else:
        Path(outputs[name]).write_text(getattr(text, name)(study), encoding="utf-8")
if "bibliography" in inputs.keys():
    shutil.copyfile(inputs.bibliography, outputs.bibliography)
else:
    Path(outputs.bibliography).write_text("", encoding="utf-8")
