"""Rule model_figures: the path diagram of the first model, and the forest plot of every
model's cross-lagged effects (a model that did not converge is left out of both)."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelreport.figures import plot_forest, plot_path_diagram  # noqa: E402

params, out = snakemake.params, snakemake.output
labels = [params.models[model] for model in params.models]
converged = [json.loads(Path(p).read_text())["converged"] for p in snakemake.input.diagnostics]
lagged = {label: pd.read_csv(path) for label, path, ok in zip(labels, snakemake.input.lagged, converged) if ok}
first = labels[0]
shown = lagged.get(first, pd.DataFrame(columns=["outcome", "predictor", "est", "ci_lower", "ci_upper"]))
plot_path_diagram(shown, dict(params.names), f"Within-person lagged effects, {first} (b)"
                  + ("" if first in lagged else ": the model did not converge"), out.paths_png, out.paths_svg)
plot_forest(lagged, dict(params.names), out.forest_png, out.forest_svg)
