"""Figures (PNG and SVG) from the result tables; same input, same bytes."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

# Fixed SVG ids and no timestamps, so reruns give identical files.
plt.rcParams.update({"svg.hashsalt": "alliance-riclpm", "svg.fonttype": "none"})


def save(fig, png_path: str | Path, svg_path: str | Path) -> None:
    fig.savefig(png_path, dpi=150, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(svg_path, bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)


def plot_trajectories(descriptives: pd.DataFrame, labels: dict[str, str], png_path, svg_path) -> None:
    """Mean score by week with its 95% CI, one panel per instrument, one line per arm."""
    instruments = list(dict.fromkeys(descriptives["instrument"]))
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(instruments), figsize=(3.0 * len(instruments), 2.8), sharex=True)
    palette = dict(zip(sorted(descriptives["arm"].unique()), sns.color_palette("colorblind")))
    for ax, key in zip(axes, instruments):
        for arm, rows in descriptives[descriptives["instrument"] == key].groupby("arm", sort=True):
            ax.plot(rows["week"], rows["mean"], marker="o", ms=3, color=palette[arm], label=arm)
            ax.fill_between(rows["week"], rows["ci_low"], rows["ci_high"], color=palette[arm], alpha=0.2, lw=0)
        ax.set_title(labels.get(key, key))
        ax.set_xlabel("Week")
    axes[0].set_ylabel("Mean (95% CI)")
    axes[0].legend(title="Arm", frameon=False)
    fig.tight_layout()
    save(fig, png_path, svg_path)


def plot_retention(retention: pd.DataFrame, labels: dict[str, str], png_path, svg_path) -> None:
    """Share of randomised participants with a score, by instrument (rows) and week (columns).

    A heat map rather than lines: instruments often share their missingness exactly
    (a missed week is missed on every form), and overlapping lines would hide that.
    """
    sns.set_theme(style="white", context="paper")
    grid = retention.assign(scored=100 - retention["pct_missing"]).pivot(index="instrument", columns="week", values="scored")
    grid = grid.loc[list(dict.fromkeys(retention["instrument"]))]
    grid.index = [labels.get(key, key) for key in grid.index]
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * grid.shape[1], 0.9 + 0.45 * grid.shape[0]))
    sns.heatmap(grid, annot=True, fmt=".0f", vmin=0, vmax=100, cmap="viridis", cbar_kws={"label": "% scored"}, ax=ax,
                annot_kws={"fontsize": 7})
    ax.set_xlabel("Week")
    ax.set_ylabel("")
    fig.tight_layout()
    save(fig, png_path, svg_path)
