"""Figures (PNG and SVG) from the result tables; same input, same bytes."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from panelsem.results import Z975  # noqa: E402

# Fixed SVG ids and no timestamps, so reruns give identical files.
plt.rcParams.update({"svg.hashsalt": "alliance-riclpm", "svg.fonttype": "none"})


def save(fig, png_path: str | Path, svg_path: str | Path) -> None:
    fig.savefig(png_path, dpi=150, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(svg_path, bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)


def plot_reliability(table: pd.DataFrame, png_path: str, svg_path: str, labels: dict[str, str] | None = None) -> None:
    """Alpha and omega by week, one line per instrument; byte-stable PNG and SVG."""
    labels = labels or {}
    with plt.rc_context({"svg.hashsalt": "reliability", "svg.fonttype": "path", "font.size": 9}):
        fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.0), sharey=True, layout="constrained")
        for ax, column, title in zip(axes, ["alpha", "omega"], ["Cronbach's alpha", "McDonald's omega"]):
            for key, one in table.groupby("instrument", sort=False):
                ax.plot(one["week"], one[column], marker="o", markersize=3, linewidth=1.2, label=labels.get(key, key))
            ax.set_title(title)
            ax.set_xlabel("Week")
            ax.grid(True, linewidth=0.4, alpha=0.5)
        axes[0].set_ylabel("Reliability")
        axes[1].legend(frameon=False, fontsize=8, loc="lower right")
        fig.savefig(png_path, dpi=150, metadata={"Software": None})
        fig.savefig(svg_path, metadata={"Date": None, "Creator": None})
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


def plot_bootstrap(replicates: dict[str, pd.DataFrame], indirect: dict[str, pd.DataFrame], chains: dict[str, str],
                   png_path, svg_path) -> None:
    """Bootstrap distribution of each indirect effect in each model (one panel each),
    with both 95% intervals; replicates and indirect by model label, chains: chain ->
    its words."""
    panels = [(model, row) for model, frame in indirect.items() for _, row in frame.iterrows()]
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 2.8), sharey=True, squeeze=False)
    for ax, (model, summary) in zip(axes[0], panels):
        reps = replicates[model]
        ax.hist(reps.loc[reps["converged"].astype(bool), summary["chain"]], bins=40, color="0.7", edgecolor="white")
        ax.axvline(summary["estimate"], color="black", lw=1.2, label="estimate")
        for bound in ("boot_lower", "boot_upper"):
            ax.axvline(summary[bound], color="#0173b2", ls="--", lw=1, label="bootstrap 95% CI" if bound == "boot_lower" else None)
        for bound in ("mc_lower", "mc_upper"):
            ax.axvline(summary[bound], color="#de8f05", ls=":", lw=1.2, label="Monte Carlo 95% CI" if bound == "mc_lower" else None)
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_title(model, fontsize=9)
        ax.set_xlabel(f"{chains[summary['chain']]}\n({summary['chain'].replace('*', ' × ')})", fontsize=8)
    axes[0][0].set_ylabel("Replicates")
    axes[0][0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    save(fig, png_path, svg_path)



def standardised_lagged(lagged: pd.DataFrame) -> pd.DataFrame:
    """Lagged effects on a common scale: b times the mean std_all/b ratio over weeks.

    The ratio is SD(predictor)/SD(outcome), so the interval is scaled with it; the
    uncertainty of the SDs themselves is ignored, as in lavaan's std.all.
    """
    ratio = ((lagged["std_min"] + lagged["std_max"]) / 2) / lagged["est"]
    ratio = ratio.where(lagged["est"] != 0, 0.0)
    return lagged.assign(beta=lagged["est"] * ratio, beta_lower=lagged["ci_lower"] * ratio,
                         beta_upper=lagged["ci_upper"] * ratio)


def plot_forest(lagged: dict[str, pd.DataFrame], names: dict[str, str], png_path, svg_path) -> None:
    """Cross-lagged effects with 95% CIs, one colour per model (lagged: by model label;
    names: short name -> process label)."""
    sns.set_theme(style="whitegrid", context="paper")
    frames = [standardised_lagged(f).assign(rater=r) for r, f in lagged.items()]
    data = pd.concat(frames, ignore_index=True)
    data = data[data["outcome"] != data["predictor"]]
    data["path"] = [f"{names[p]} → {names[o]}" for o, p in zip(data["outcome"], data["predictor"])]
    paths = list(dict.fromkeys(data["path"]))
    fig, ax = plt.subplots(figsize=(6.0, 0.5 + 0.45 * len(paths)))
    colours = dict(zip(lagged, sns.color_palette("colorblind")))
    offsets = dict(zip(lagged, np.linspace(-0.15, 0.15, len(lagged))))
    for rater, rows in data.groupby("rater", sort=False):
        y = np.array([paths.index(p) for p in rows["path"]]) + offsets[rater]
        ax.errorbar(rows["beta"], y, xerr=[rows["beta"] - rows["beta_lower"], rows["beta_upper"] - rows["beta"]],
                    fmt="o", ms=4, capsize=2, color=colours[rater], label=rater)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(range(len(paths)), paths)
    ax.invert_yaxis()
    ax.set_xlabel("Within-person lagged effect, standardised (95% CI)")
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    fig.tight_layout()
    save(fig, png_path, svg_path)


def plot_individual_trajectories(scores: pd.DataFrame, instruments: list[str], labels: dict[str, str],
                                 n_people: int, seed: int, png_path, svg_path) -> None:
    """Weekly scores of a random subset of participants: how much people move week to week."""
    rng = np.random.default_rng(seed)
    ids = sorted(scores["id"].unique())
    chosen = sorted(rng.choice(ids, size=min(n_people, len(ids)), replace=False))
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(instruments), figsize=(3.0 * len(instruments), 2.8), sharex=True)
    palette = dict(zip(chosen, sns.color_palette("husl", len(chosen))))
    for ax, key in zip(np.atleast_1d(axes), instruments):
        rows = scores[(scores["instrument"] == key) & scores["id"].isin(chosen)].dropna(subset=["score"])
        for pid, person in rows.groupby("id", sort=True):
            ax.plot(person["week"], person["score"], marker="o", ms=2, lw=0.9, alpha=0.8, color=palette[pid])
        ax.set_title(labels.get(key, key))
        ax.set_xlabel("Week")
    np.atleast_1d(axes)[0].set_ylabel("Score")
    fig.tight_layout()
    save(fig, png_path, svg_path)


def plot_path_diagram(lagged: pd.DataFrame, names: dict[str, str], title: str, png_path, svg_path) -> None:
    """The within-person cross-lagged model for two adjacent weeks, with its estimates
    (names: short name -> process label, in model order).

    Solid arrows: 95% CI excludes 0; dashed: it does not. Graphviz is not
    pip-installable, so the diagram is drawn with matplotlib.
    """
    order = list(names)
    top = len(order) - 1
    y = {k: top - i for i, k in enumerate(order)}
    fig, ax = plt.subplots(figsize=(6.2, 1.2 + 1.2 * len(order)))
    for x, week in ((0, "t − 1"), (4, "t")):
        for k in order:
            ax.text(x, y[k], f"{names[k]}\n(week {week})", ha="center", va="center", fontsize=8,
                    bbox=dict(boxstyle="round,pad=0.4", fc="#e8f0fa", ec="#3b6ea5"))
    for _, r in lagged.iterrows():
        significant = r["ci_lower"] > 0 or r["ci_upper"] < 0
        start, end = (0.75, y[r["predictor"]]), (3.25, y[r["outcome"]])
        rad = 0.0 if r["predictor"] == r["outcome"] else 0.12 * np.sign(y[r["outcome"]] - y[r["predictor"]])
        ax.annotate("", xy=end, xytext=start, arrowprops=dict(
            arrowstyle="-|>", lw=1.4 if significant else 0.8, ls="-" if significant else "--",
            color="black" if significant else "0.55", connectionstyle=f"arc3,rad={rad}", shrinkA=2, shrinkB=2))
        t = 0.3 if r["predictor"] == r["outcome"] else (0.22 if y[r["outcome"]] > y[r["predictor"]] else 0.78)
        mx, my = start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1])
        ax.text(mx, my + 0.08, f"{r['est']:.3f}", fontsize=7, ha="center", va="bottom",
                color="black" if significant else "0.45",
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))
    ax.set_xlim(-1.2, 5.2)
    ax.set_ylim(-0.6, top + 0.6)
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    save(fig, png_path, svg_path)


def plot_recovery(summary: pd.DataFrame, band: tuple[float, float], png_path, svg_path) -> None:
    """Left: bias in empirical SDs. Right: coverage of each interval, with the band in which
    95% of coverage estimates fall if the true coverage were 95%. One row per analysis,
    effect and interval; filled markers against the pseudo-true value, open against the
    latent value."""
    sns.set_theme(style="whitegrid", context="paper")
    several = summary["analysis"].nunique() > 1
    rows = summary.assign(row=(summary["analysis"] + ": " if several else "") + summary["label"]
                          + np.where(summary["parameter"].str.contains("*", regex=False),
                                     "\n(" + summary["interval"] + " interval)", ""))
    y = np.arange(len(rows))[::-1]
    colours = {"Wald": "#0173b2", "Monte Carlo": "#de8f05", "bootstrap": "#029e73"}
    colour = rows["interval"].map(colours).to_numpy()
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.4, 0.34 * len(rows) + 1.8), sharey=True)
    left.axvline(0, color="0.3", lw=0.8)
    right.axvspan(*band, color="0.88", zorder=0, label="95% band if coverage is .95")
    right.axvline(0.95, color="0.3", lw=0.8)
    lowest = 0.5
    for reference, filled, word in (("pseudo_true", True, "pseudo-true"), ("latent", False, "latent")):
        style = {"facecolors": colour if filled else "none", "edgecolors": colour, "zorder": 3}
        left.scatter(rows[f"standardised_bias_{reference}"], y, label=f"against the {word} value", **style)
        cov = rows[f"coverage_{reference}"].to_numpy()
        half = Z975 * rows[f"coverage_{reference}_mcse"].to_numpy()
        err = np.vstack([np.minimum(half, cov), np.minimum(half, 1 - cov)])
        right.errorbar(cov, y, xerr=err, fmt="none", ecolor="0.55", capsize=2, zorder=2)
        right.scatter(cov, y, **style)
        lowest = min(lowest, float(np.nanmin(cov)) - 0.05)
    left.set_yticks(y, rows["row"])
    left.set_xlabel("Bias of the mean estimate\n(empirical SDs)")
    left.set_title("Bias")
    right.set_xlim(lowest, 1.02)
    right.set_xlabel("Coverage\n(with Monte Carlo 95% CI)")
    right.set_title("95% interval coverage")
    handles = [plt.Line2D([], [], ls="", marker="o", color=c, label=f"{m} interval") for m, c in colours.items()
               if (rows["interval"] == m).any()]
    handles += [plt.Line2D([], [], ls="", marker="o", markerfacecolor=face, markeredgecolor="0.3", color="0.3",
                           label=f"against the {word} value")
                for face, word in (("0.3", "pseudo-true"), ("none", "latent"))]
    handles += right.get_legend_handles_labels()[0][:1]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=7)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    save(fig, png_path, svg_path)
