"""Figures are byte-stable, as wide as the text, with legends off the data and path
estimates clear of every other arrow."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from panelreport import figures
from panelreport.figures import (DPI, FIGURE_WIDTH_IN, place_labels, plot_forest, plot_path_diagram,
                                 plot_reliability)


def touches(rect, a, b, steps=2000) -> bool:
    """Does the segment a-b pass through the rectangle? By sampling it densely: an
    independent check of the placement's own clipping test."""
    x0, y0, x1, y1 = rect
    t = np.linspace(0, 1, steps)
    x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
    return bool(((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)).any())


def overlap(r, s) -> bool:
    return r[0] < s[2] and s[0] < r[2] and r[1] < s[3] and s[1] < r[3]


def lagged(keys, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    est, half = rng.normal(0, 0.3, len(keys) ** 2), rng.uniform(0.05, 0.4, len(keys) ** 2)
    pairs = [(o, p) for o in keys for p in keys]
    return pd.DataFrame({"outcome": [o for o, _ in pairs], "predictor": [p for _, p in pairs], "est": est,
                         "ci_lower": est - half, "ci_upper": est + half, "std_min": 0.9 * est, "std_max": 1.1 * est})


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


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_path_estimates_keep_clear_of_other_arrows_labels_and_nodes(tmp_path, n):
    keys = list("ABCDE")[:n]
    geometry = plot_path_diagram(lagged(keys), {k: f"Process {k}, a long name" for k in keys}, "Paths",
                                 tmp_path / "p.png", tmp_path / "p.svg")
    arrows, labels, nodes = geometry["arrows"], geometry["labels"], geometry["nodes"]
    assert len(arrows) == len(labels) == n * n
    for i, label in enumerate(labels):
        assert not any(touches(label, *arrow) for j, arrow in enumerate(arrows) if j != i)
        assert not any(overlap(label, other) for j, other in enumerate(labels) if j != i)
        assert not any(overlap(label, node) for node in nodes)
    with Image.open(tmp_path / "p.png") as png:
        assert png.width == int(FIGURE_WIDTH_IN * DPI)  # matplotlib rounds down


def test_labels_that_cannot_keep_clear_are_an_error():
    crossing = [((0, 0), (10, 10)), ((0, 10), (10, 0)), ((0, 5), (10, 5))]
    with pytest.raises(ValueError, match="no place"):
        place_labels(crossing, (20, 20), [])


def test_the_path_diagram_takes_two_to_five_processes(tmp_path):
    with pytest.raises(ValueError, match="2 to 5"):
        plot_path_diagram(lagged("A"), {"A": "Alliance"}, "", tmp_path / "p.png", tmp_path / "p.svg")


def test_the_forest_plot_legend_is_off_the_data(tmp_path, monkeypatch):
    saved = {}

    def keep(fig, png, svg):
        fig.canvas.draw()
        saved["fig"] = fig

    monkeypatch.setattr(figures, "save", keep)
    plot_forest({"patient": lagged("AED"), "therapist": lagged("AED", 2)}, dict(A="Alliance", E="Regulation", D="Depression"),
                tmp_path / "f.png", tmp_path / "f.svg")
    fig = saved["fig"]
    [axes] = fig.axes
    [legend] = fig.legends
    assert not legend.get_window_extent().overlaps(axes.get_window_extent())
    assert fig.get_size_inches()[0] == pytest.approx(FIGURE_WIDTH_IN)
