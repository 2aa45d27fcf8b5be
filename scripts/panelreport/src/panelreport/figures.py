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
# The text width of the PDF (A4 less 2.5 cm margins, manuscript/_quarto.yml): every figure
# is drawn this wide and saved at its size, so the PDF shows it at 100% and its lettering
# at the size it was set; HTML and DOCX scale it to their text width.
FIGURE_WIDTH_IN = 160 / 25.4
DPI = 150


def save(fig, png_path: str | Path, svg_path: str | Path) -> None:
    # No bbox_inches="tight": it would crop the figure to another width. Constrained
    # layout keeps everything inside the figure instead.
    fig.savefig(png_path, dpi=DPI, metadata={"Software": None})
    fig.savefig(svg_path, metadata={"Date": None, "Creator": None})
    plt.close(fig)


def plot_reliability(table: pd.DataFrame, png_path: str, svg_path: str, labels: dict[str, str] | None = None) -> None:
    """Alpha and omega by week, one line per instrument; byte-stable PNG and SVG."""
    labels = labels or {}
    with plt.rc_context({"svg.hashsalt": "reliability", "svg.fonttype": "path", "font.size": 9}):
        fig, axes = plt.subplots(1, 2, figsize=(FIGURE_WIDTH_IN, 3.0), sharey=True, layout="constrained")
        for ax, column, title in zip(axes, ["alpha", "omega"], ["Cronbach's alpha", "McDonald's omega"]):
            for key, one in table.groupby("instrument", sort=False):
                ax.plot(one["week"], one[column], marker="o", markersize=3, linewidth=1.2, label=labels.get(key, key))
            ax.set_title(title)
            ax.set_xlabel("Week")
            ax.grid(True, linewidth=0.4, alpha=0.5)
        axes[0].set_ylabel("Reliability")
        # Below the panels, never over a line.
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=4, frameon=False, fontsize=8)
        save(fig, png_path, svg_path)


def plot_trajectories(descriptives: pd.DataFrame, labels: dict[str, str], png_path, svg_path) -> None:
    """Mean score by week with its 95% CI, one panel per instrument, one line per arm."""
    instruments = list(dict.fromkeys(descriptives["instrument"]))
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(instruments), figsize=(FIGURE_WIDTH_IN, 2.8), sharex=True, layout="constrained")
    palette = dict(zip(sorted(descriptives["arm"].unique()), sns.color_palette("colorblind")))
    for ax, key in zip(axes, instruments):
        for arm, rows in descriptives[descriptives["instrument"] == key].groupby("arm", sort=True):
            ax.plot(rows["week"], rows["mean"], marker="o", ms=3, color=palette[arm], label=arm)
            ax.fill_between(rows["week"], rows["ci_low"], rows["ci_high"], color=palette[arm], alpha=0.2, lw=0)
        ax.set_title(labels.get(key, key))
        ax.set_xlabel("Week")
    axes[0].set_ylabel("Mean (95% CI)")
    fig.legend(*axes[0].get_legend_handles_labels(), title="Arm", loc="outside right center", frameon=False)
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
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH_IN, 0.9 + 0.45 * grid.shape[0]), layout="constrained")
    sns.heatmap(grid, annot=True, fmt=".0f", vmin=0, vmax=100, cmap="viridis", cbar_kws={"label": "% scored"}, ax=ax,
                annot_kws={"fontsize": 7})
    ax.set_xlabel("Week")
    ax.set_ylabel("")
    save(fig, png_path, svg_path)


def plot_bootstrap(replicates: dict[str, pd.DataFrame], indirect: dict[str, pd.DataFrame], chains: dict[str, str],
                   png_path, svg_path) -> None:
    """Bootstrap distribution of each indirect effect in each model (one panel each),
    with both 95% intervals; replicates and indirect by model label, chains: chain ->
    its words."""
    panels = [(model, row) for model, frame in indirect.items() for _, row in frame.iterrows()]
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(panels), figsize=(FIGURE_WIDTH_IN, 3.0), sharey=True, squeeze=False,
                             layout="constrained")
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
    fig.legend(*axes[0][0].get_legend_handles_labels(), loc="outside lower center", ncol=3, frameon=False, fontsize=7)
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


def plot_forest(lagged: dict[str, pd.DataFrame], labels: dict[str, str], png_path, svg_path) -> None:
    """Cross-lagged effects with 95% CIs, one colour per model (lagged: by model label;
    labels: short name of a process -> its label)."""
    sns.set_theme(style="whitegrid", context="paper")
    frames = [standardised_lagged(f).assign(rater=r) for r, f in lagged.items()]
    data = pd.concat(frames, ignore_index=True)
    data = data[data["outcome"] != data["predictor"]]
    data["path"] = [f"{labels[p]} → {labels[o]}" for o, p in zip(data["outcome"], data["predictor"])]
    paths = list(dict.fromkeys(data["path"]))
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH_IN, 1.0 + 0.45 * len(paths)), layout="constrained")
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
    # Outside the axes: inside, wherever it goes, some interval can end up under it.
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=len(lagged), frameon=False, fontsize=7)
    save(fig, png_path, svg_path)


def plot_individual_trajectories(scores: pd.DataFrame, instruments: list[str], labels: dict[str, str],
                                 n_people: int, seed: int, png_path, svg_path) -> None:
    """Weekly scores of a random subset of participants: how much people move week to week."""
    rng = np.random.default_rng(seed)
    ids = sorted(scores["id"].unique())
    chosen = sorted(rng.choice(ids, size=min(n_people, len(ids)), replace=False))
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(instruments), figsize=(FIGURE_WIDTH_IN, 2.8), sharex=True, layout="constrained")
    palette = dict(zip(chosen, sns.color_palette("husl", len(chosen))))
    for ax, key in zip(np.atleast_1d(axes), instruments):
        rows = scores[(scores["instrument"] == key) & scores["id"].isin(chosen)].dropna(subset=["score"])
        for pid, person in rows.groupby("id", sort=True):
            ax.plot(person["week"], person["score"], marker="o", ms=2, lw=0.9, alpha=0.8, color=palette[pid])
        ax.set_title(labels.get(key, key))
        ax.set_xlabel("Week")
    np.atleast_1d(axes)[0].set_ylabel("Score")
    save(fig, png_path, svg_path)


def _crosses(rect, a, b) -> bool:
    """Does the segment a-b pass through the rectangle (x0, y0, x1, y1)?"""
    x0, y0, x1, y1 = rect
    t0, t1 = 0.0, 1.0
    d = (b[0] - a[0], b[1] - a[1])
    for p, q in ((-d[0], a[0] - x0), (d[0], x1 - a[0]), (-d[1], a[1] - y0), (d[1], y1 - a[1])):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            t0 = max(t0, q / p)
        else:
            t1 = min(t1, q / p)
    return t0 <= t1


def _overlap(r, s) -> bool:
    return r[0] < s[2] and s[0] < r[2] and r[1] < s[3] and s[1] < r[3]


def place_labels(segments: list[tuple[tuple, tuple]], size: tuple[float, float], obstacles: list[tuple]) -> list[tuple]:
    """A rectangle of `size` on each segment, centred on it or resting on it from above
    or below, that no other segment, no obstacle and no other label touches. The
    segment with the fewest free places goes first, and takes the place that leaves
    the others most of theirs; places centred on the segment, nearer its first third,
    win ties."""
    w, h = size
    places = sorted(((t, dy) for t in np.linspace(0.1, 0.9, 41) for dy in (0.0, 0.55 * h, -0.55 * h)),
                    key=lambda p: (abs(p[1]) > 0, abs(p[0] - 0.3)))

    def rect(i, t, dy):
        (ax_, ay), (bx, by) = segments[i]
        x, y = ax_ + t * (bx - ax_), ay + t * (by - ay) + dy
        return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)

    options = {i: [r for r in (rect(i, t, dy) for t, dy in places)
                   if not any(_crosses(r, *seg) for j, seg in enumerate(segments) if j != i)
                   and not any(_overlap(r, o) for o in obstacles)]
               for i in range(len(segments))}
    placed: dict[int, tuple] = {}
    while options:
        i = min(options, key=lambda i: len(options[i]))
        if not options[i]:
            raise ValueError(f"no place for the label of path {i} that keeps clear of the others")
        others = [o for j, rects in options.items() if j != i for o in rects]
        placed[i] = min(options.pop(i), key=lambda r: sum(_overlap(r, o) for o in others))
        options = {j: [r for r in rects if not _overlap(r, placed[i])] for j, rects in options.items()}
    return [placed[i] for i in range(len(segments))]


def plot_path_diagram(lagged: pd.DataFrame, labels: dict[str, str], title: str, png_path, svg_path) -> dict:
    """The within-person cross-lagged model for two adjacent weeks, with its estimates.

    labels: process key (the predictor/outcome of `lagged`) -> name, top to bottom;
    2 to 5 processes. Solid arrows: 95% CI excludes 0; dashed: it does not. Each
    estimate sits on its own arrow where no other arrow, node or estimate is
    (place_labels). Graphviz is not pip-installable, so matplotlib draws it.
    Returns the geometry (arrows, labels, nodes in data coordinates) for the tests.
    """
    order = list(labels)
    if not 2 <= len(order) <= 5:
        raise ValueError(f"the path diagram draws 2 to 5 processes, not {len(order)}")
    rows = lagged[lagged["predictor"].isin(order) & lagged["outcome"].isin(order)]
    y = {k: 1.6 * (len(order) - 1 - i) for i, k in enumerate(order)}
    # More processes, more arrows crossing between the two weeks: more height per process.
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH_IN, 0.6 + (0.6 + 0.12 * len(order)) * len(order)), layout="constrained")
    ax.set_xlim(-1.9, 11.9)
    ax.set_ylim(-0.7, y[order[0]] + 0.7)
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    nodes = {}
    for x, week in ((0.0, "t − 1"), (10.0, "t")):
        for k in order:
            nodes[x, k] = ax.text(x, y[k], f"{labels[k]}\n(week {week})", ha="center", va="center", fontsize=8,
                                  bbox=dict(boxstyle="round,pad=0.4", fc="#e8f0fa", ec="#3b6ea5"))
    fig.canvas.draw()
    to_data = ax.transData.inverted()

    def extent(artist):
        (x0, y0), (x1, y1) = to_data.transform(artist.get_window_extent())
        return (x0, y0, x1, y1)

    boxes = {key: extent(t.get_bbox_patch()) for key, t in nodes.items()}
    segments, styles = [], []
    for _, r in rows.iterrows():
        start = (boxes[0.0, r["predictor"]][2] + 0.05, y[r["predictor"]])
        end = (boxes[10.0, r["outcome"]][0] - 0.05, y[r["outcome"]])
        significant = r["ci_lower"] > 0 or r["ci_upper"] < 0
        segments.append((start, end))
        styles.append(significant)
        ax.annotate("", xy=end, xytext=start, arrowprops=dict(
            arrowstyle="-|>", lw=1.4 if significant else 0.8, ls="-" if significant else "--",
            color="black" if significant else "0.55", shrinkA=0, shrinkB=0))
    probe = ax.text(0, 0, "−0.000", fontsize=7, bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    fig.canvas.draw()
    x0, y0, x1, y1 = extent(probe.get_bbox_patch())
    probe.remove()
    places = place_labels(segments, (x1 - x0, y1 - y0), list(boxes.values()))
    for (_, r), significant, (px0, py0, px1, py1) in zip(rows.iterrows(), styles, places):
        ax.text((px0 + px1) / 2, (py0 + py1) / 2, f"{r['est']:.3f}".replace("-", "−"), fontsize=7, ha="center",
                va="center", color="black" if significant else "0.4",
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    save(fig, png_path, svg_path)
    return {"arrows": segments, "labels": places, "nodes": list(boxes.values())}


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
    fig, (left, right) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH_IN, 0.28 * len(rows) + 1.8), sharey=True,
                                      layout="constrained")
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
    # Small row labels: at the paper's size they would squeeze the panels out of the figure.
    left.set_yticks(y, rows["row"], fontsize=7)
    left.set_xlabel("Bias of the mean estimate\n(empirical SDs)")
    left.set_title("Bias")
    right.set_xlim(lowest, 1.05)
    right.set_xlabel("Coverage\n(Monte Carlo 95% CI)")
    right.set_title("95% interval coverage")
    handles = [plt.Line2D([], [], ls="", marker="o", color=c, label=f"{m} interval") for m, c in colours.items()
               if (rows["interval"] == m).any()]
    handles += [plt.Line2D([], [], ls="", marker="o", markerfacecolor=face, markeredgecolor="0.3", color="0.3",
                           label=f"against the {word} value")
                for face, word in (("0.3", "pseudo-true"), ("none", "latent"))]
    handles += right.get_legend_handles_labels()[0][:1]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False, fontsize=7)
    save(fig, png_path, svg_path)


def plot_power(summary: pd.DataFrame, curves: dict[str, tuple[np.ndarray, np.ndarray]], titles: dict[str, str],
               target: float, png_path, svg_path) -> None:
    """Power against participants per arm, one panel per effect: Monte Carlo estimates
    with their 95% Monte Carlo intervals (power_low, power_high), the analytic curve
    (curves: effect -> (n per arm, power)) and the target line."""
    sns.set_theme(style="whitegrid", context="paper")
    effects = list(dict.fromkeys(summary["parameter"]))
    columns = min(len(effects), 2)
    rows = -(-len(effects) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(FIGURE_WIDTH_IN, 2.3 * rows + 0.6), sharex=True, sharey=True,
                             layout="constrained", squeeze=False)
    for ax in axes.flat[len(effects):]:
        ax.set_visible(False)
    for ax, effect in zip(axes.flat, effects):
        rows_of = summary[summary["parameter"] == effect]
        n, power = rows_of["n_per_arm"].to_numpy(float), rows_of["power"].to_numpy(float)
        err = np.vstack([power - rows_of["power_low"].to_numpy(float), rows_of["power_high"].to_numpy(float) - power])
        ax.axhline(target, color="0.3", lw=0.8, ls="--", label=f"{target:.0%} power")
        ax.plot(*curves[effect], color="#de8f05", lw=1.4, label="analytic (expected information)")
        ax.errorbar(n, power, yerr=err, fmt="o", ms=4, color="#0173b2", capsize=2,
                    label="Monte Carlo (95% interval)", zorder=3)
        ax.set_title(titles[effect], fontsize=8)
        ax.set_ylim(-0.02, 1.02)
    for ax in axes[-1]:
        ax.set_xlabel("Participants per arm")
    for ax in axes[:, 0]:
        ax.set_ylabel("Power")
    fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside lower center", ncol=3, frameon=False,
               fontsize=7)
    save(fig, png_path, svg_path)
