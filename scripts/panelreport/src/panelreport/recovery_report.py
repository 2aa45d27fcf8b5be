"""The parameter-recovery study (panelstudy.recovery) as the supplement reports it: its
sentences, its table, and the numbers the manuscript quotes.

Two comparisons, kept apart in the words as in the numbers: against the pseudo-true
values (what the analysis converges to under the generator), which checks the
estimator; against the latent values (the population's), which shows what
measurement error costs.
"""

from __future__ import annotations

import pandas as pd

from panelstudy.design import INDICATORS, OBSERVED
from panelstudy.recovery import coverage_band

REFERENCE_WORDS = {"pseudo_true": "pseudo-true", "latent": "latent"}


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def coverage_sentence(wald: pd.DataFrame, reference: str) -> str:
    """How many Wald intervals of the lagged effects covered one reference value at a
    rate consistent with 95%, and the lowest of those that did not."""
    lo, hi = coverage_band(int(wald["replications"].min()))
    column = f"coverage_{reference}"
    inside = wald[(wald[column] >= lo) & (wald[column] <= hi)]
    low = wald[wald[column] < lo]
    text = (f"against the {REFERENCE_WORDS[reference]} values, {len(inside)} of {len(wald)} Wald intervals of the "
            f"lagged effects covered at a rate consistent with 95%")
    if len(low):
        worst = low.sort_values(column).iloc[0]
        text += (f", and {len(low)} fell short, the lowest being {worst['label']} at {pct(worst[column])} "
                 f"(bias {worst[f'bias_{reference}']:.3f}, {worst[f'standardised_bias_{reference}']:.2f} "
                 "empirical SDs)")
    return text


def summary_text(summary: pd.DataFrame) -> dict[str, str]:
    """Sentences for the supplement's variables file."""
    observed = summary[summary["analysis"] == OBSERVED]
    wald = observed[observed["interval"] == "Wald"]
    lo, hi = coverage_band(int(wald["replications"].min()))
    lagged = (f"With {int(wald['replications'].min())} replications (band {pct(lo)} to {pct(hi)}), "
              f"{coverage_sentence(wald, 'pseudo_true')}; {coverage_sentence(wald, 'latent')}.")
    sentences = []
    for _, rows in observed[observed["parameter"].str.contains("*", regex=False)].groupby("parameter", sort=False):
        ind = rows.set_index("interval")
        mc, boot = ind.loc["Monte Carlo"], ind.loc["bootstrap"]
        sentences.append(
            f"The indirect effect {mc['label']} was estimated at {mc['mean_estimate']:.3f} on average, against a "
            f"pseudo-true value of {mc['pseudo_true']:.3f} and a latent value of {mc['latent']:.3f} (relative bias "
            f"{100 * mc['relative_bias_pseudo_true']:.0f}% and {100 * mc['relative_bias_latent']:.0f}%); its Monte "
            f"Carlo interval covered the pseudo-true value in {pct(mc['coverage_pseudo_true'])} of replications "
            f"and the latent value in {pct(mc['coverage_latent'])}, the bootstrap interval in "
            f"{pct(boot['coverage_pseudo_true'])} and {pct(boot['coverage_latent'])}.")
    indirect = " ".join(sentences) or "No indirect effect is declared among the hypotheses."
    ratio = wald["mean_se"] / wald["empirical_sd"]
    precision = (f"Across the lagged effects the mean standard error was {ratio.min():.2f} to {ratio.max():.2f} "
                 "times the empirical SD of the estimates")
    if ratio.between(0.9, 1.1).all():
        precision += ("; the standard errors describe the spread of the estimates well, so where an interval "
                      "falls short of 95% the cause is bias rather than a too-narrow interval.")
    else:
        precision += "; a ratio below 1 means intervals narrower than the spread of the estimates."
    return {"lagged": lagged, "indirect": indirect, "precision": precision,
            "indicators": indicator_text(summary)}


def indicator_text(summary: pd.DataFrame) -> str:
    """The multiple-indicator model in the recovery study: bias against the latent
    values beside the score model's, and its coverage."""
    mi = summary[(summary["analysis"] == INDICATORS) & (summary["interval"] == "Wald")]
    if mi.empty:
        return "The multiple-indicator model was not fitted in the recovery study."
    observed = summary[(summary["analysis"] == OBSERVED) & (summary["interval"] == "Wald")].set_index("parameter")
    autoregressive = [p for p in mi["parameter"] if p.split("_")[1] == p.split("_")[2]]
    mine = mi.set_index("parameter")
    shown = ", ".join(f"{mine.loc[p, 'label']} {mine.loc[p, 'mean_estimate']:.3f} (scores "
                      f"{observed.loc[p, 'mean_estimate']:.3f}; latent {mine.loc[p, 'latent']:.3f})"
                      for p in autoregressive)
    lo, hi = coverage_band(int(mi["replications"].min()))
    inside = mi[(mi["coverage_latent"] >= lo) & (mi["coverage_latent"] <= hi)]
    return (f"The multiple-indicator model, fitted to the item parcels in {int(mi['replications'].min())} of the "
            f"replications ({int(mi['not_converged'].max())} not converged), gave mean autoregressions of {shown}. "
            f"{len(inside)} of its {len(mi)} Wald intervals covered the latent value at a rate consistent with 95% "
            f"(band {pct(lo)} to {pct(hi)} for this number of replications).")


def recovery_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The supplement's table: one row per analysis, parameter and interval, each
    compared with the pseudo-true and with the latent value."""
    def coverage(reference):
        return [f"{c:.3f} ({m:.3f})" for c, m in zip(summary[f"coverage_{reference}"],
                                                     summary[f"coverage_{reference}_mcse"])]

    return pd.DataFrame({
        "Analysis": summary["analysis"],
        "Effect": summary["label"],
        "Interval": summary["interval"],
        "Pseudo-true": summary["pseudo_true"],
        "Latent": summary["latent"],
        "Mean estimate": summary["mean_estimate"],
        "Empirical SD": summary["empirical_sd"],
        "Mean SE": summary["mean_se"],
        "Bias vs pseudo-true": summary["bias_pseudo_true"],
        "Bias vs latent": summary["bias_latent"],
        "Coverage of pseudo-true": coverage("pseudo_true"),
        "Coverage of latent": coverage("latent"),
        "Mean width": summary["mean_width"],
        "Replications (not converged)": [f"{n} ({k})" for n, k in zip(summary["replications"],
                                                                      summary["not_converged"])],
    })


def convergence_text(summary: pd.DataFrame) -> str:
    observed = summary[summary["analysis"] == OBSERVED]
    failed = int(observed["not_converged"].max())
    total = failed + int(observed.loc[observed["not_converged"].idxmax(), "replications"])
    if failed == 0:
        return f"All {total} replications converged."
    return (f"{failed} of {total} replications did not converge; they are counted in the table "
            "and left out of the summaries.")


def recovery_variables(summary: pd.DataFrame, recovery: dict) -> dict:
    """The recovery study's numbers as the manuscript quotes them."""
    observed = summary[summary["analysis"] == OBSERVED]
    lo, hi = coverage_band(int(observed["replications"].min()))
    return {
        "replications": int(recovery["replications"]),
        "bootstrap": int(recovery["bootstrap"]),
        "indicator_replications": int(recovery["indicator_replications"]),
        "convergence": convergence_text(summary),
        "band": f"{lo:.3f} and {hi:.3f}",
        **summary_text(summary),
    }


def check_verdict(summary: pd.DataFrame) -> tuple[list[str], bool]:
    """`make recovery-check`: one line per lagged effect of the score model, PASS when
    its Wald coverage of the pseudo-true value lies in the binomial 95% band, FAIL
    otherwise; the multiple-indicator model's coverage follows as INFO lines."""
    wald = summary[summary["interval"] == "Wald"]
    observed = wald[wald["analysis"] == OBSERVED]
    replications = int(observed["replications"].min())
    lo, hi = coverage_band(replications)
    lines = [f"Coverage of 95% Wald intervals against the pseudo-true values over {replications} replications; "
             f"band {lo:.3f} to {hi:.3f}"]
    ok = True
    for _, row in observed.iterrows():
        inside = lo <= row["coverage_pseudo_true"] <= hi
        ok &= bool(inside)
        lines.append(f"{'PASS' if inside else 'FAIL'} {row['label']}: {row['coverage_pseudo_true']:.3f} "
                     f"(latent: {row['coverage_latent']:.3f}; bias vs pseudo-true {row['bias_pseudo_true']:.4f}, "
                     f"mean SE / empirical SD {row['mean_se'] / row['empirical_sd']:.3f})")
    for _, row in summary[summary["interval"] != "Wald"].iterrows():
        lines.append(f"INFO {row['analysis']}, {row['label']}, {row['interval']} interval: pseudo-true "
                     f"{row['coverage_pseudo_true']:.3f}, latent {row['coverage_latent']:.3f}")
    for _, row in wald[wald["analysis"] == INDICATORS].iterrows():
        lines.append(f"INFO {INDICATORS} ({row['replications']} replications), {row['label']}: pseudo-true "
                     f"{row['coverage_pseudo_true']:.3f}, latent {row['coverage_latent']:.3f}")
    passed = sum(line.startswith("PASS") for line in lines)
    lines.append(f"{'CHECKED' if ok else 'FAILED'}: {passed} of {len(observed)} lagged effects in the band")
    return lines, ok
