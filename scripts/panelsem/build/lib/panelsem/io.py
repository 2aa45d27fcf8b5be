"""The one way results are written as CSV, so reruns give identical bytes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# Ten significant digits for results; EXACT (round-trip) for data handed to another program.
RESULTS = "%.10g"
EXACT = "%.17g"


def write_csv(frame: pd.DataFrame, path: str | Path, float_format: str = RESULTS) -> None:
    """Fixed float format, Unix line ends, empty cells for missing values, no index."""
    frame.to_csv(path, index=False, float_format=float_format, lineterminator="\n", na_rep="")
