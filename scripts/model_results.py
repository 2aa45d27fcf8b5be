"""Summaries of a fitted RI-CLPM that the tables and the manuscript report."""

import pandas as pd
from scipy import stats

Z975 = stats.norm.ppf(0.975)


def lagged_effects(estimates: pd.DataFrame, lagged: dict) -> pd.DataFrame:
    """One row per lagged effect (per wave when free), with its 95% Wald interval.

    std_all differs by wave even when the raw effect is held equal, so its range over
    waves is given rather than one number.
    """
    rows = []
    for (outcome, predictor), labels in lagged.items():
        for label in [labels] if isinstance(labels, str) else labels:
            hits = estimates[(estimates["label"] == label) & (estimates["op"] == "~")]
            if hits.empty:
                raise ValueError(f"lagged effect {label} is missing from the estimates")
            first = hits.iloc[0]
            rows.append({
                "outcome": outcome,
                "predictor": predictor,
                "label": label,
                "est": first["est"],
                "se": first["se"],
                "ci_lower": first["est"] - Z975 * first["se"],
                "ci_upper": first["est"] + Z975 * first["se"],
                "z": first["z"],
                "p": first["p"],
                "std_min": hits["std_all"].min(),
                "std_max": hits["std_all"].max(),
            })
    return pd.DataFrame(rows)
