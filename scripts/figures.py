"""Figures (PNG and SVG) from the result tables; same input, same bytes."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
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


def plot_bootstrap(replicates: dict[str, pd.DataFrame], indirect: dict[str, pd.DataFrame], png_path, svg_path) -> None:
    """Bootstrap distribution of the indirect effect per rater, with both 95% intervals."""
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(replicates), figsize=(3.4 * len(replicates), 2.8), sharey=True)
    for ax, (rater, reps) in zip(np.atleast_1d(axes), replicates.items()):
        summary = indirect[rater].iloc[0]
        ax.hist(reps.loc[reps["converged"], "indirect"], bins=40, color="0.7", edgecolor="white")
        ax.axvline(summary["estimate"], color="black", lw=1.2, label="estimate")
        for bound in ("boot_lower", "boot_upper"):
            ax.axvline(summary[bound], color="#0173b2", ls="--", lw=1, label="bootstrap 95% CI" if bound == "boot_lower" else None)
        for bound in ("mc_lower", "mc_upper"):
            ax.axvline(summary[bound], color="#de8f05", ls=":", lw=1.2, label="Monte Carlo 95% CI" if bound == "mc_lower" else None)
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_title(f"{rater}-rated alliance")
        ax.set_xlabel("Indirect effect (b_E_A × b_D_E)")
    np.atleast_1d(axes)[0].set_ylabel("Replicates")
    np.atleast_1d(axes)[0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    save(fig, png_path, svg_path)
