"""The parameter-recovery study (panelstudy.recovery) as the supplement reports it: its
sentences, its table, and the numbers the manuscript quotes."""

from __future__ import annotations

import pandas as pd

from panelstudy.recovery import coverage_band


def summary_text(summary: pd.DataFrame) -> dict[str, str]:
    """Sentences for the supplement's variables file."""
    lo, hi = coverage_band(int(summary["replications"].min()))
    wald = summary[summary["interval"] == "Wald"]
    inside = wald[(wald["coverage"] >= lo) & (wald["coverage"] <= hi)]
    low = wald[wald["coverage"] < lo]

    def pct(x):
        return f"{100 * x:.0f}%"

    lagged = (f"{len(inside)} of {len(wald)} Wald intervals of the lagged effects covered the population "
              f"value at a rate consistent with 95% (between {pct(lo)} and {pct(hi)} with "
              f"{int(wald['replications'].min())} replications)")
    if len(low):
        worst = low.sort_values("coverage").iloc[0]
        lagged += (f"; {len(low)} fell short, the lowest being {worst['label']} at {pct(worst['coverage'])} "
                   f"(bias {worst['bias']:.3f}, {worst['standardised_bias']:.2f} empirical SDs)")
    sentences = []
    for parameter, rows in summary[summary["parameter"].str.contains("*", regex=False)].groupby("parameter", sort=False):
        ind = rows.set_index("interval")
        sentences.append(
            f"The indirect effect {ind.loc['Monte Carlo', 'label']} was estimated at "
            f"{ind.loc['Monte Carlo', 'mean_estimate']:.3f} on average against a population value of "
            f"{ind.loc['Monte Carlo', 'true']:.3f} (relative bias {100 * ind.loc['Monte Carlo', 'relative_bias']:.0f}%); "
            f"its Monte Carlo interval covered the population value in {pct(ind.loc['Monte Carlo', 'coverage'])} "
            f"of replications and the bootstrap interval in {pct(ind.loc['bootstrap', 'coverage'])}.")
    indirect = " ".join(sentences) or "No indirect effect is declared among the hypotheses."
    ratio = wald["mean_se"] / wald["empirical_sd"]
    precision = (f"Across the lagged effects the mean standard error was {ratio.min():.2f} to {ratio.max():.2f} "
                 "times the empirical SD of the estimates")
    if ratio.between(0.9, 1.1).all():
        precision += ("; the standard errors describe the spread of the estimates well, so where an interval "
                      "falls short of 95% the cause is bias rather than a too-narrow interval.")
    else:
        precision += "; a ratio below 1 means intervals narrower than the spread of the estimates."
    return {"lagged": lagged + ".", "indirect": indirect, "precision": precision}


def recovery_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The supplement's table: one row per parameter and interval."""
    return pd.DataFrame({
        "Effect": summary["label"],
        "Interval": summary["interval"],
        "Population": summary["true"],
        "Mean estimate": summary["mean_estimate"],
        "Bias": summary["bias"],
        "Bias (empirical SDs)": summary["standardised_bias"],
        "RMSE": summary["rmse"],
        "Empirical SD": summary["empirical_sd"],
        "Mean SE": summary["mean_se"],
        "Coverage": [f"{c:.3f} ({m:.3f})" for c, m in zip(summary["coverage"], summary["coverage_mcse"])],
        "Mean width": summary["mean_width"],
        "Replications (not converged)": [f"{n} ({k})" for n, k in zip(summary["replications"],
                                                                      summary["not_converged"])],
    })


def convergence_text(summary: pd.DataFrame) -> str:
    failed = int(summary["not_converged"].max())
    total = failed + int(summary.loc[summary["not_converged"].idxmax(), "replications"])
    if failed == 0:
        return f"All {total} replications converged."
    return (f"{failed} of {total} replications did not converge; they are counted in the table "
            "and left out of the summaries.")


def recovery_variables(summary: pd.DataFrame, recovery: dict) -> dict:
    """The recovery study's numbers as the manuscript quotes them."""
    lo, hi = coverage_band(int(summary["replications"].min()))
    return {
        "replications": int(recovery["replications"]),
        "bootstrap": int(recovery["bootstrap"]),
        "convergence": convergence_text(summary),
        "band": f"{lo:.3f} and {hi:.3f}",
        **summary_text(summary),
    }
