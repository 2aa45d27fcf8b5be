"""Snakemake: render the manuscript to HTML, PDF and DOCX."""

import shutil
import time
from pathlib import Path

from render_manuscript import render

start = time.perf_counter()
outputs = render(Path(snakemake.params.manuscript_dir), Path(snakemake.params.out_dir),  # noqa: F821
                 article=snakemake.params.article)  # noqa: F821
for fmt, path in outputs.items():
    expected = Path(snakemake.output[fmt]).resolve()  # noqa: F821
    if path != expected:
        raise RuntimeError(f"render wrote {path}, but the rule declares {expected}")
engine = "quarto" if shutil.which("quarto") else "pandoc + typst (no quarto on PATH)"
Path(snakemake.log[0]).write_text(  # noqa: F821
    f"engine: {engine}\n" + "".join(f"{fmt}: {path}\n" for fmt, path in outputs.items())
    + f"seconds: {time.perf_counter() - start:.2f}\n"
)
