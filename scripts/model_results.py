"""Summaries of a fitted RI-CLPM that the tables and the manuscript report."""

import pandas as pd
from scipy import stats

Z975 = stats.norm.ppf(0.975)


def summarise_lagged(per_wave: pd.DataFrame) -> pd.DataFrame:
    """One row per lagged-effect label, with its 95% Wald interval.

    Input is sem_engine.lagged_effects (one row per wave). A time-invariant effect
    has one estimate but a std_all per wave (the within variances change), so the
    range of std_all over waves is given.
    """
    rows = []
    for label, hits in per_wave.groupby("label", sort=False):
        first = hits.iloc[0]
        rows.append({
            "outcome": first["outcome"],
            "predictor": first["predictor"],
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
