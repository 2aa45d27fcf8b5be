"""The hypotheses, each checked against the analysed data in every model it is tested
in (panelstudy.design.tests): one family, with the configured multiplicity correction.

A hypothesis is supported when its (adjusted) p is below alpha and the estimate has the
expected sign on the instruments' score scales, contradicted when p is below alpha and
the sign is the other one, and not supported otherwise. A model that did not converge
gives no estimate and no verdict.

On synthetic data two values are known to compare an interval with
(panelstudy.pseudotrue): the latent value, the population's, for the model with each
process's first instrument (the one the population is defined for; "n/a" elsewhere);
and the pseudo-true value, what the analysis converges to under the generator, for
every model. The scores carry measurement error, so an interval that misses the latent
value may reflect that error; one that misses the pseudo-true value cannot.
"""

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from panelreport.markdown import format_p
from panelstudy.design import OBSERVED

NOT_CONVERGED = "not estimable (the model did not converge)"


def adjusted(p_values, correction: str) -> np.ndarray:
    """p-values adjusted for multiplicity over the whole family (NaN stays NaN)."""
    p = np.asarray(p_values, dtype=float)
    if correction == "none":
        return p
    out = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method=correction)[1]
    return out


def verdict(estimate: float, p_adjusted: float, score_sign: int, alpha: float, correction: str) -> str:
    if not np.isfinite(p_adjusted):
        return NOT_CONVERGED
    if p_adjusted < alpha:
        return "supported" if np.sign(estimate) == score_sign else "contradicted"
    which = "p" if correction == "none" else f"{correction.capitalize()}-adjusted p"
    return f"not supported ({which} ≥ {f'{alpha:g}'.lstrip('0')})"



def latent_value(test: dict, truth: dict | None, model_instruments: dict) -> float | None:
    """The population value of a test's parameter, for the model the population defines
    (each process measured by its first instrument); None elsewhere: a further
    instrument (a second rater) is a noisy proxy, its coefficients are not parameters
    of the generator."""
    if truth is None or model_instruments != truth["instruments"]:
        return None
    index = {name: i for i, name in enumerate(truth["processes"])}
    B = truth["lagged_effects"]
    steps = zip(test["processes"][:-1], test["processes"][1:])
    return float(np.prod([B[index[to]][index[frm]] for frm, to in steps]))


def pseudo_true_value(test: dict, truth: dict | None) -> float | None:
    """The pseudo-true value of a test's parameter in its model (truth.json's
    pseudo_true section); None without a truth file."""
    if truth is None:
        return None
    values = truth["pseudo_true"]["models"][test["model"]][OBSERVED]
    return float(values["*".join(test["parameters"])]["pseudo_true"])


def covers(lower: float, upper: float, value: float | None) -> str:
    if value is None or not np.isfinite(lower):
        return ""
    return "yes" if lower <= value <= upper else "NO"


def claims_table(tests: list[dict], lagged: dict[str, pd.DataFrame], indirect: dict[str, pd.DataFrame],
                 converged: dict[str, bool], truth: dict | None, models: dict[str, dict], correction: str,
                 alpha: float) -> pd.DataFrame:
    """One row per test. lagged and indirect: per model id, its lagged.csv and
    indirect.csv; models: model id -> its instruments (process -> instrument)."""
    rows = []
    for test in tests:
        model = test["model"]
        if test["kind"] == "indirect":
            hit = indirect[model].set_index("chain").loc["*".join(test["parameters"])]
            est, lower, upper, p = hit["estimate"], hit["boot_lower"], hit["boot_upper"], hit["boot_p"]
            interval = "bootstrap percentile"
        else:
            hit = lagged[model].set_index("label").loc[test["parameters"][0]]
            est, lower, upper, p = hit["est"], hit["ci_lower"], hit["ci_upper"], hit["p"]
            interval = "Wald"
        if not converged[model]:
            est = lower = upper = p = np.nan
        rows.append({"test": test, "estimate": est, "lower": lower, "upper": upper, "p": p, "interval": interval})
    p_adj = adjusted([r["p"] for r in rows], correction)
    out = []
    for row, padj in zip(rows, p_adj):
        test = row["test"]
        latent = latent_value(test, truth, models[test["model"]])
        pseudo = pseudo_true_value(test, truth)
        out.append({
            "Hypothesis": test["label"],
            "Model": test["model_label"],
            "Expected": test["expected"],
            "Expected sign of the estimate": "+" if test["score_sign"] > 0 else "−",
            "Estimate": row["estimate"],
            "CI lower": row["lower"],
            "CI upper": row["upper"],
            "Interval": row["interval"],
            "p": format_p(row["p"]),
            "p adjusted": format_p(padj),
            "Correction": correction,
            "Verdict": verdict(row["estimate"], padj, test["score_sign"], alpha, correction),
            "Latent value": latent,
            "CI covers latent": covers(row["lower"], row["upper"], latent),
            "Pseudo-true value": pseudo,
            "CI covers pseudo-true": covers(row["lower"], row["upper"], pseudo),
        })
    frame = pd.DataFrame(out)
    if truth is None:
        frame = frame.drop(columns=TRUTH_COLUMNS)
    return frame


TRUTH_COLUMNS = ["Latent value", "CI covers latent", "Pseudo-true value", "CI covers pseudo-true"]


def claims_display(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims table as a reader needs it on a page: one cell per estimate and interval."""
    shown = pd.DataFrame({
        "Hypothesis": claims["Hypothesis"],
        "Model": claims["Model"],
        "Expected": claims["Expected"],
        "Sign": claims["Expected sign of the estimate"],
        "Estimate [95% CI]": ["" if pd.isna(e) else f"{e:.3f} [{lo:.3f}, {hi:.3f}]" for e, lo, hi in
                              zip(claims["Estimate"], claims["CI lower"], claims["CI upper"])],
        "p": claims["p"],
        "p adjusted": claims["p adjusted"],
        "Verdict": claims["Verdict"],
    })
    for value, covered in (("Latent value", "CI covers latent"), ("Pseudo-true value", "CI covers pseudo-true")):
        if value in claims:
            shown[f"{value} (covered)"] = ["n/a" if pd.isna(t) else f"{t:.3f} ({c})"
                                           for t, c in zip(claims[value], claims[covered])]
    return shown
