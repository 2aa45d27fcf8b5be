"""The abstract's claims, each checked against the analysed data.

A claim is supported when its 95% interval excludes zero on the hypothesised side,
contradicted when it excludes zero on the other side, and not supported otherwise.
On synthetic data the population value is known, so each row also says whether
the interval covers it.
"""

import pandas as pd

from panelreport.markdown import format_p

# (claim, model's alliance rater, parameter, hypothesised sign)
CLAIMS = [
    ("Patient-rated alliance predicts next week's depression", "patient", "D_A", -1),
    ("Therapist-rated alliance predicts next week's depression", "therapist", "D_A", -1),
    ("Emotion regulation predicts next week's depression", "patient", "D_E", -1),
    ("Alliance predicts next week's emotion regulation", "patient", "E_A", +1),
    ("Alliance(t) -> emotion regulation(t+1) -> depression(t+2): indirect effect", "patient", "indirect", -1),
]
PROCESS_INDEX = {"A": 0, "E": 1, "D": 2}


def verdict(lower: float, upper: float, sign: int) -> str:
    if lower > 0 or upper < 0:
        return "supported" if (lower > 0) == (sign > 0) else "contradicted"
    return "not supported (CI includes 0)"


def true_value(parameter: str, rater: str, truth: dict | None) -> float | None:
    """Population value of a parameter of the patient-rated model.

    The therapist-rated model has none: its alliance is a noisy proxy of the
    patient's process, so its coefficients are not parameters of the generator.
    """
    if truth is None or rater != "patient":
        return None
    if parameter == "indirect":
        return float(truth["indirect_effect"]["value"])
    outcome, predictor = parameter.split("_")
    return float(truth["lagged_effects"][PROCESS_INDEX[outcome]][PROCESS_INDEX[predictor]])


def claims_table(lagged: dict[str, pd.DataFrame], indirect: dict[str, pd.DataFrame], truth: dict | None) -> pd.DataFrame:
    rows = []
    for claim, rater, parameter, sign in CLAIMS:
        if parameter == "indirect":
            ind = indirect[rater].iloc[0]
            est, lower, upper, p = ind["estimate"], ind["boot_lower"], ind["boot_upper"], ind["boot_p"]
            interval = "bootstrap percentile"
        else:
            outcome, predictor = parameter.split("_")
            row = lagged[rater].set_index(["outcome", "predictor"]).loc[(outcome, predictor)]
            est, lower, upper, p = row["est"], row["ci_lower"], row["ci_upper"], row["p"]
            interval = "Wald"
        truth_value = true_value(parameter, rater, truth)
        rows.append({
            "Claim": claim,
            "Model": f"{rater}-rated alliance",
            "Hypothesis": "negative" if sign < 0 else "positive",
            "Estimate": est,
            "CI lower": lower,
            "CI upper": upper,
            "Interval": interval,
            "p": format_p(p),
            "Verdict": verdict(lower, upper, sign),
            "True value": truth_value,
            "CI covers truth": "" if truth_value is None else ("yes" if lower <= truth_value <= upper else "NO"),
        })
    frame = pd.DataFrame(rows)
    if truth is None:
        frame = frame.drop(columns=["True value", "CI covers truth"])
    return frame


def claims_display(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims table as a reader needs it on a page: one cell per estimate and interval."""
    shown = pd.DataFrame({
        "Claim": claims["Claim"],
        "Alliance rater": claims["Model"].str.replace("-rated alliance", "", regex=False),
        "Expected sign": claims["Hypothesis"].map({"negative": "−", "positive": "+"}),
        "Estimate [95% CI]": [f"{e:.3f} [{lo:.3f}, {hi:.3f}]" for e, lo, hi in
                              zip(claims["Estimate"], claims["CI lower"], claims["CI upper"])],
        "p": claims["p"],
        "Verdict": claims["Verdict"],
    })
    if "True value" in claims:
        shown["True value (covered)"] = [
            "none" if pd.isna(t) else f"{t:.3f} ({c})" for t, c in zip(claims["True value"], claims["CI covers truth"])]
    return shown
