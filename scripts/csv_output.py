"""The one way results are written as CSV, so reruns give identical bytes."""

from pathlib import Path

import pandas as pd

FLOAT_FORMAT = "%.10g"


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Fixed float format, Unix line ends, empty cells for missing values."""
    frame.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n", na_rep="")
