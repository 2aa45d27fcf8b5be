"""The power analysis of a planned replication (panelstudy.power) as the planning
document reports it: its tables, its sentences and the numbers it quotes. Apart from
the analysis, so that rewording it reruns no replication."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from panelsem.results import Z975
from panelstudy.power import TARGET, analytic_power
from panelstudy.recovery import parameter_label
from panelreport.text import listing

# |Monte Carlo - analytic| beyond this many Monte Carlo SEs is a disagreement.
AGREEMENT_Z = Z975


def whole(n: float) -> str:
    """Participants needed: a whole number, rounded up."""
    return f"{math.ceil(n - 1e-9):d}"


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def monte_carlo_n(row: pd.Series) -> str:
    """The Monte Carlo N for the target, or where it lies relative to the grid."""
    if np.isnan(row["mc_n_per_arm"]):
        return f"> {whole(row['grid_max'])}"
    if row["mc_n_per_arm"] <= row["grid_min"]:
        return f"≤ {whole(row['grid_min'])}"
    return whole(row["mc_n_per_arm"])


def band(row: pd.Series) -> str:
    """The N where the upper and the lower end of the Monte Carlo band reach the target."""
    if np.isnan(row["mc_low"]):
        return f"> {whole(row['grid_max'])}"
    low = f"≤ {whole(row['grid_min'])}" if row["mc_low"] <= row["grid_min"] else whole(row["mc_low"])
    high = f"> {whole(row['grid_max'])}" if np.isnan(row["mc_high"]) else whole(row["mc_high"])
    return f"[{low}, {high}]"


def analytic_n_text(n: float) -> str:
    return "never (the pseudo-true value is on the other side of 0)" if np.isinf(n) else whole(n)


def mc_error(summary: pd.DataFrame) -> pd.Series:
    """The Monte Carlo SE that the power estimates would have if the analytic power were
    the truth: the yardstick of their agreement (it is not 0 where a curve is at 0 or 1)."""
    a = summary["analytic_power"]
    return np.sqrt(a * (1 - a) / summary["converged"])


def power_table(summary: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """One row per effect and sample size: power by simulation and analytically, and how
    well the estimates and their standard errors behave."""
    return pd.DataFrame({
        "Effect": [parameter_label(p, names) for p in summary["parameter"]],
        "N per arm": summary["n_per_arm"],
        "Power (MC SE)": [f"{p:.3f} ({s:.3f})" for p, s in zip(summary["power"], summary["power_mcse"])],
        "Analytic power": summary["analytic_power"],
        "Bias": summary["bias"],
        "Empirical SD": summary["empirical_sd"],
        "Mean SE": summary["mean_se"],
        "Analytic SE": summary["analytic_se"],
        "Coverage (MC SE)": [f"{c:.3f} ({s:.3f})" for c, s in zip(summary["coverage"], summary["coverage_mcse"])],
        "Converged": [f"{c}/{r}" for c, r in zip(summary["converged"], summary["replications"])],
    })


def needed_table(needed: pd.DataFrame, effects: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """One row per effect: its values, and the participants per arm for 80% power."""
    values = effects.set_index("parameter")
    return pd.DataFrame({
        "Effect": [parameter_label(p, names) for p in needed["parameter"]],
        "Hypothesis": needed["label"],
        "Pseudo-true": [values.loc[p, "pseudo_true"] for p in needed["parameter"]],
        "Latent": [values.loc[p, "population"] for p in needed["parameter"]],
        "Monte Carlo": [monte_carlo_n(row) for _, row in needed.iterrows()],
        "95% band": [band(row) for _, row in needed.iterrows()],
        "Analytic": [analytic_n_text(n) for n in needed["analytic_n_per_arm"]],
    })


def analytic_curve(effect: pd.Series, n_per_arm: np.ndarray, arms: int, alpha: float) -> np.ndarray:
    return analytic_power(effect["pseudo_true"], effect["unit_se"], effect["score_sign"], n_per_arm * arms, alpha)


def agreement_part(rows: pd.DataFrame, names: dict[str, str], what: str) -> str:
    """How close the analytic power of some effects is to the simulated one."""
    z = (rows["power"] - rows["analytic_power"]) / mc_error(rows).clip(lower=1e-12)
    worst = rows.loc[(rows["power"] - rows["analytic_power"]).abs().idxmax()]
    return (f"For {what}, the analytic power lies within {AGREEMENT_Z:.2f} Monte Carlo standard errors of the "
            f"simulated power in {int((z.abs() <= AGREEMENT_Z).sum())} of {len(rows)} combinations of effect and "
            f"sample size; the largest difference, simulated minus analytic, is "
            f"{worst['power'] - worst['analytic_power']:+.3f} ({parameter_label(worst['parameter'], names)} at "
            f"{worst['n_per_arm']} per arm: {worst['power']:.3f} against {worst['analytic_power']:.3f}).")


def agreement_text(summary: pd.DataFrame, names: dict[str, str]) -> str:
    """Where the analytic power and standard errors agree with the simulation, and where not."""
    paths, indirect = summary[summary["kind"] == "path"], summary[summary["kind"] != "path"]
    parts = []
    if len(paths):
        parts.append(agreement_part(paths, names, "the lagged effects"))
        se_ratio = paths["mean_se"] / paths["analytic_se"]
        sd_ratio = paths["empirical_sd"] / paths["analytic_se"]
        widest = paths.loc[sd_ratio.idxmax()]
        parts.append(f"The mean standard error of the fits is {se_ratio.min():.2f} to {se_ratio.max():.2f} times "
                     f"the analytic one, and the empirical SD of the estimates {sd_ratio.min():.2f} to "
                     f"{sd_ratio.max():.2f} times (the most at {widest['n_per_arm']} per arm).")
    if len(indirect):
        parts.append(agreement_part(indirect, names, "the indirect effects (delta method against the Monte Carlo "
                                                     "interval)"))
    return " ".join(parts)


def needed_text(needed: pd.DataFrame, names: dict[str, str]) -> str:
    parts = []
    for _, row in needed.iterrows():
        mc = monte_carlo_n(row)
        where = (f"about {mc} per arm by simulation (95% band {band(row)})" if mc[0].isdigit()
                 else f"{mc} per arm by simulation")
        parts.append(f"{parameter_label(row['parameter'], names)}: {where}, "
                     f"{analytic_n_text(row['analytic_n_per_arm'])} analytically")
    return f"For {pct(TARGET)} power, the effects need " + "; ".join(parts) + "."


def convergence_text(summary: pd.DataFrame) -> str:
    per_size = summary.groupby("n_per_arm")[["converged", "replications"]].first()
    failed = per_size[per_size["converged"] < per_size["replications"]]
    total = int(per_size["replications"].sum())
    if failed.empty:
        return f"Every one of the {total} replications converged."
    return ("Not every fit converged: " + listing([f"{r.replications - r.converged} of {r.replications} at {n} per arm"
                                                   for n, r in failed.iterrows()])
            + "; they count in neither the power nor the bias.")


def measurement_text(design: dict) -> str:
    if design["simulate"] == "items":
        return ("Each replication simulates every participant's item responses, as the workflow's synthetic trial "
                f"does (standardised item loadings of {design['synthetic']['item_loading']}, missing single items), "
                "and scores them with the rules of the main analysis, so the scores carry measurement error.")
    return ("Each replication observes the latent weekly scores of the population directly, without measurement "
            "error (config `power.simulate: scores`); the items of the instruments play no part.")


def attrition_text(design: dict, patterns: pd.DataFrame, driver_label: str) -> str:
    miss = design["synthetic"]["missingness"]
    counts = patterns["count"].to_numpy(float)
    last = [c for c in patterns.columns if c.endswith(f"_{design['model']['waves'][-1]}")]
    retained = float((patterns[last].any(axis=1) * counts).sum() / counts.sum())
    observed = float((patterns.drop(columns="count").to_numpy().mean(axis=1) * counts).sum() / counts.sum())
    return (f"Each week a participant drops out for good with probability {miss['dropout_hazard']:g}, and skips the "
            f"week with probability {miss['skip_probability']:g}, at an average last observed {driver_label.lower()} "
            f"score; the odds of both change by a factor of {np.exp(miss['slope']):.2f} per SD of that score "
            f"(missing at random), and {pct(miss['item_missing_rate'])} of single items are left empty. "
            f"In the planned trial {pct(retained)} of the participants are still observed at the last wave, and "
            f"{pct(observed)} of all scores are observed.")


def population_text(planned: dict) -> str:
    own = list(planned["population"])
    if not own:
        return "The population is the workflow's synthetic population as configured (config `synthetic`)."
    return ("The population is the workflow's synthetic population with the planned values of "
            f"{listing([f'`{key}`' for key in own])} (config `power.population`).")


def pseudo_true_text(truth: pd.DataFrame, effects: pd.DataFrame, n: int, batches: int) -> str:
    paths = [p for p in effects["parameter"] if "*" not in p]
    worst = truth.set_index("name").loc[paths, "mcse"].max()
    return (f"The pseudo-true values come from one simulated trial of {n:,} participants of the planned design "
            f"(drawn as {batches} batches), fitted like every replication; the Monte Carlo standard errors of "
            f"those of the lagged effects, by batch means, are at most {worst:.4f}.")


def planning_variables(summary: pd.DataFrame, needed: pd.DataFrame, effects: pd.DataFrame, truth: pd.DataFrame,
                       patterns: pd.DataFrame, params: dict, pseudo_true_n: int, batches: int) -> dict:
    """The planning document's variables; params: the power_summary rule's params."""
    design, names = params["design"], params["names"]
    driver = design["synthetic"]["missingness"]["driver"]
    return {
        "study": params["study"],
        "planning": {
            "sizes": listing([str(n) for n in design["sizes"]]),
            "arms": listing(list(design["data"]["arms"])),
            "n_arms": len(design["data"]["arms"]),
            "waves": len(design["model"]["waves"]),
            "replications": design["replications"],
            "alpha": f"{design['alpha']:g}",
            "seed": params["seed"],
            "measurement": measurement_text(design),
            "attrition": attrition_text(design, patterns, params["labels"][next(
                short for short, name in names.items() if name == driver)]),
            "population": population_text(params["planned"]),
            "pseudo_true": pseudo_true_text(truth, effects, pseudo_true_n, batches),
            "needed": needed_text(needed, names),
            "agreement": agreement_text(summary, names),
            "convergence": convergence_text(summary),
        },
    }
