"""Measurement error as the reports show it: the pseudo-true values
(panelstudy.pseudotrue) beside the latent ones, how far the score model's key effects
sit from the latent values, and how much of that the multiple-indicator model removes.

The attenuation of an effect is (limit - latent) / latent: its relative bias in the
limit. The share of it that the multiple-indicator model removes is
(limit of the indicator model - limit of the score model) / (latent - limit of the
score model): 100% when the indicator model converges to the latent value, 0% when it
converges where the score model does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from panelstudy.design import INDICATORS, OBSERVED
from panelstudy.recovery import parameter_label
from panelstudy.sensitivity import MAIN, MI_WEAK


def attenuation(pseudo_true: pd.DataFrame, model: str, names: dict[str, str]) -> pd.DataFrame:
    """Per parameter of a model with latent values: latent, the score model's
    pseudo-true value and its complete-data value, their attenuation, the indicator
    model's complete-data limit and the share of the attenuation it removes."""
    rows = pseudo_true[pseudo_true["model"] == model]
    observed = rows[rows["analysis"] == OBSERVED].set_index("parameter")
    indicators = rows[rows["analysis"] == INDICATORS].set_index("parameter")
    out = pd.DataFrame({"parameter": observed.index, "label": [parameter_label(p, names) for p in observed.index]})
    out["latent"] = observed["latent"].to_numpy()
    out["observed"] = observed["pseudo_true"].to_numpy()
    out["observed_mcse"] = observed["pseudo_true_mcse"].to_numpy()
    out["observed_complete"] = observed["complete_data"].to_numpy()
    out["indicators"] = indicators["complete_data"].reindex(observed.index).to_numpy()
    out["indicators_mcse"] = indicators["complete_data_mcse"].reindex(observed.index).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["attenuation"] = np.where(out["latent"] != 0, (out["observed"] - out["latent"]) / out["latent"], np.nan)
        out["indicators_bias"] = np.where(out["latent"] != 0,
                                          (out["indicators"] - out["latent"]) / out["latent"], np.nan)
        gap = out["latent"] - out["observed"]
        out["removed"] = np.where(gap != 0, (out["indicators"] - out["observed"]) / gap, np.nan)
    return out


def pseudo_true_table(pseudo_true: pd.DataFrame, model_labels: dict[str, str], names: dict[str, str]) -> pd.DataFrame:
    """The supplement's table of pseudo-true values: every model, analysis and effect."""
    return pd.DataFrame({
        "Model": pseudo_true["model"].map(model_labels),
        "Analysis": pseudo_true["analysis"],
        "Effect": [parameter_label(p, names) for p in pseudo_true["parameter"]],
        "Latent": ["n/a" if pd.isna(v) else f"{v:.3f}" for v in pseudo_true["latent"]],
        "Pseudo-true (MCSE)": [est_mcse(v, m) for v, m in zip(pseudo_true["pseudo_true"],
                                                             pseudo_true["pseudo_true_mcse"])],
        "Complete data (MCSE)": [est_mcse(v, m) for v, m in zip(pseudo_true["complete_data"],
                                                               pseudo_true["complete_data_mcse"])],
        "Difference (MCSE)": [est_mcse(v, m) for v, m in zip(pseudo_true["difference"],
                                                            pseudo_true["difference_mcse"])],
    })


def est_mcse(value: float, mcse: float) -> str:
    return "not computed" if pd.isna(value) else f"{value:.3f} ({mcse:.3f})"


def percent(x: float) -> str:
    return f"{100 * x:.0f}%"


def truth_text(pseudo_true: pd.DataFrame, model: str, keys: list[str], names: dict[str, str]) -> dict[str, str]:
    """Sentences for the manuscript: where the score model's key effects (keys: lag
    labels and chain names) converge against their latent values, and where the
    multiple-indicator model's do."""
    table = attenuation(pseudo_true, model, names).set_index("parameter")
    autoregressive = [p for p in table.index if "*" not in p and p.split("_")[1] == p.split("_")[2]]

    def share(column):
        ratios = table.loc[autoregressive, column] / table.loc[autoregressive, "latent"]
        return f"{percent(ratios.min())} to {percent(ratios.max())}"

    observed = "; ".join(f"{table.loc[k, 'label']} {table.loc[k, 'observed']:.3f} against a latent "
                         f"{table.loc[k, 'latent']:.3f} ({describe(table.loc[k, 'attenuation'])})" for k in keys)
    text = {"observed": (
        "Measurement error in the scores changes what the model estimates. Fitted to a synthetic trial of "
        f"{int(pseudo_true['n'].iloc[0]):,} participants drawn from the configured population (Monte Carlo "
        f"standard errors at most {float(table.loc[keys, 'observed_mcse'].max()):.3f}), the score model converges "
        f"to {observed}, and its autoregressions to {share('observed')} of their latent values. These pseudo-true "
        "values, not the latent ones, are what its intervals should cover.")}
    if table["indicators"].isna().all():
        text["indicators"] = "The multiple-indicator model was not fitted: an instrument states no item parcels."
        return text
    mine = "; ".join(f"{table.loc[k, 'label']} {table.loc[k, 'indicators']:.3f} "
                     f"({percent(table.loc[k, 'removed'])} of the attenuation removed)" for k in keys)
    text["indicators"] = ("The multiple-indicator model, which models that error with item parcels, converges "
                          f"(on complete data) to {mine}, and its autoregressions to {share('indicators')} of their "
                          "latent values.")
    return text


def describe(relative: float) -> str:
    if not np.isfinite(relative):
        return "no latent effect"
    return f"{percent(abs(relative))} {'smaller' if relative < 0 else 'larger'}" if abs(relative) >= 0.005 else \
        "the same"


def indicators_on_data(models: pd.DataFrame, keys: list[tuple[str, str]], names: dict[str, str]) -> str:
    """What the multiple-indicator model gives on the analysed data, beside the score
    model (rows of a sensitivity_models.csv), as a clause."""
    by_model = models.set_index("model")
    if MI_WEAK not in by_model.index:
        return "the multiple-indicator model was not fitted"
    row, main = by_model.loc[MI_WEAK], by_model.loc[MAIN]
    if not bool(row["converged"]):
        return "the multiple-indicator model did not converge"
    effects = ", ".join(f"{names[p]} → {names[o]} {row[f'b_{o}_{p}']:.3f} (SE {row[f'b_{o}_{p}_se']:.3f}; "
                        f"scores {main[f'b_{o}_{p}']:.3f})" for o, p in keys)
    return f"the multiple-indicator model (weak invariance) gives {effects}"
