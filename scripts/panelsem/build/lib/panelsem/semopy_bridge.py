"""A ModelSpec as a semopy model, for semopy's own tools (inspect, calc_stats, semplot).

semopy reads the same syntax (ModelSpec.syntax) into the same matrices and orders
the free parameters as model.Matrices does, so a parameter vector of a FitResult
can be handed to it as it is. Imported only on request: semopy's import is slow.
"""

from __future__ import annotations

import pandas as pd

from panelsem.spec import ModelSpec


def semopy_model(spec: ModelSpec, data: pd.DataFrame | None = None, params=None):
    """semopy.ModelMeans for spec (no covariances added beyond the spec's), loaded
    with data if given, its parameters set to `params` (e.g. FitResult.params) if given."""
    import semopy

    model = semopy.ModelMeans(spec.syntax, cov_diag=True)
    if data is not None:
        model.load(data[spec.observed].astype(float))
    if params is not None:
        model.param_vals = params.copy()
        model.update_matrices(model.param_vals)
    return model
