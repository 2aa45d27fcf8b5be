"""Figures are byte-stable: same input, same PNG and SVG."""

import numpy as np
import pandas as pd

from panelreport.figures import plot_reliability


def test_plot_is_byte_stable(tmp_path):
    table = pd.DataFrame({
        "instrument": ["a", "a", "b", "b"], "week": [1, 2, 1, 2],
        "alpha": [0.8, 0.85, 0.7, np.nan], "omega": [0.82, 0.86, 0.72, np.nan],
    })
    for run in ["one", "two"]:
        plot_reliability(table, tmp_path / f"{run}.png", tmp_path / f"{run}.svg")
    for ext in ["png", "svg"]:
        assert (tmp_path / f"one.{ext}").read_bytes() == (tmp_path / f"two.{ext}").read_bytes()
    assert b"<dc:date>" not in (tmp_path / "one.svg").read_bytes()
