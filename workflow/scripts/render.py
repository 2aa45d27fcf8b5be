"""Rules render and render_supplement: a document of the manuscript to HTML, PDF and DOCX."""

from panelstudy.runlog import log_to, note

log_to(snakemake.log[0])

import shutil  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from panelreport.render import render  # noqa: E402

params = snakemake.params
start = time.perf_counter()
outputs = render(Path(params.manuscript_dir), Path(params.out_dir), article=params.article)
for fmt, path in outputs.items():
    expected = Path(snakemake.output[fmt]).resolve()
    if path != expected:
        raise RuntimeError(f"render wrote {path}, but the rule declares {expected}")
engine = "quarto" if shutil.which("quarto") else "pandoc + typst (no quarto on PATH)"
note(f"engine: {engine}\n" + "".join(f"{fmt}: {path}\n" for fmt, path in outputs.items())
     + f"seconds: {time.perf_counter() - start:.2f}")
