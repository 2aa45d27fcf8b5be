"""The claims table: verdicts from the declared directions, one family under the
configured correction, no number from a model that did not converge."""

import copy

import numpy as np
import pandas as pd
import pytest

from panelreport.claims import NOT_CONVERGED, adjusted, claims_display, claims_table, verdict
from panelstudy import design


@pytest.mark.parametrize(("estimate", "p", "sign", "expected"), [
    (-0.3, 0.01, -1, "supported"),
    (0.3, 0.01, -1, "contradicted"),
    (0.3, 0.20, +1, "not supported (Holm-adjusted p ≥ .05)"),
    (0.3, 0.01, +1, "supported"),
    (0.3, 0.049, +1, "supported"),
    (0.3, 0.05, +1, "not supported (Holm-adjusted p ≥ .05)"),
    (np.nan, np.nan, +1, NOT_CONVERGED),
])
def test_verdict(estimate, p, sign, expected):
    assert verdict(estimate, p, sign, 0.05, "holm") == expected


def test_holm_by_hand():
    # sorted 0.01, 0.02, 0.04 (x3, x2, x1) -> 0.03, 0.04, 0.04 (monotone); NaN stays out of the family
    assert np.allclose(adjusted([0.04, 0.01, np.nan, 0.02], "holm"), [0.04, 0.03, np.nan, 0.04], equal_nan=True)
    assert np.allclose(adjusted([0.04, 0.01], "none"), [0.04, 0.01])


def frames(estimates):
    """lagged.csv and indirect.csv of two models, with the given b_D_A, b_D_E, b_E_A."""
    lagged, indirect = {}, {}
    for model, (da, de, ea, p) in estimates.items():
        lagged[model] = pd.DataFrame({"label": ["b_D_A", "b_D_E", "b_E_A"], "est": [da, de, ea],
                                      "ci_lower": [da - 0.1, de - 0.1, ea - 0.01], "ci_upper": [da + 0.1, de + 0.1, ea + 0.01],
                                      "p": [p, p, p]})
        indirect[model] = pd.DataFrame([{"chain": "b_E_A*b_D_E", "estimate": ea * de, "boot_lower": ea * de - 0.01,
                                         "boot_upper": ea * de + 0.01, "boot_p": p}])
    return lagged, indirect


def run(config, estimates, converged=None, truth=None):
    tests = design.tests(config)
    models = {m["id"]: m["instruments"] for m in design.models(config)}
    lagged, indirect = frames(estimates)
    converged = converged or {model: True for model in estimates}
    return claims_table(tests, lagged, indirect, converged, truth, models, config["hypotheses"]["correction"],
                        config["hypotheses"]["alpha"])


def test_the_table_follows_the_hypotheses(config):
    table = run(config, {"sai_patient": (-0.5, -0.6, 0.1, 0.001), "sai_therapist": (-0.2, -0.6, 0.03, 0.3)})
    assert list(table["Hypothesis"]) == [t["label"] for t in design.tests(config)]
    assert list(table["Model"]) == ["Alliance (patient)", "Alliance (therapist)", "Alliance (patient)",
                                    "Alliance (patient)", "Alliance (patient)"]
    assert list(table["Verdict"]) == ["supported", "not supported (Holm-adjusted p ≥ .05)", "supported",
                                      "supported", "supported"]
    # Holm over the five tests: 0.001 x 5 for the smallest.
    assert table.loc[0, "p adjusted"] == ".005" and table.loc[1, "p adjusted"] == ".300"


def test_a_higher_is_worse_scale_keeps_theory_consistent_verdicts(config):
    """The same data on a regulation scale where higher = worse (difficulties): every
    sign that involves regulation flips, and so the verdicts stay 'supported'."""
    worse = copy.deepcopy(config)
    worse["instruments"]["ersq"]["higher_is_better"] = False
    table = run(worse, {"sai_patient": (-0.5, 0.6, -0.1, 0.001), "sai_therapist": (-0.5, 0.6, -0.1, 0.001)})
    assert (table["Verdict"] == "supported").all()
    assert list(table["Expected sign of the estimate"]) == ["−", "−", "+", "−", "−"]
    # The theory-inconsistent signs on that scale are contradicted.
    table = run(worse, {"sai_patient": (-0.5, -0.6, 0.1, 0.001), "sai_therapist": (-0.5, -0.6, 0.1, 0.001)})
    assert list(table["Verdict"]) == ["supported", "supported", "contradicted", "contradicted", "supported"]


def test_no_number_from_a_model_that_did_not_converge(config):
    table = run(config, {"sai_patient": (-0.5, -0.6, 0.1, 0.001), "sai_therapist": (-0.2, -0.6, 0.03, 0.001)},
                converged={"sai_patient": True, "sai_therapist": False})
    row = table.iloc[1]
    assert row["Verdict"] == NOT_CONVERGED and pd.isna(row["Estimate"]) and row["p"] == ""
    # It is not in the family either: Holm over four tests.
    assert table.loc[0, "p adjusted"] == ".004"


def pseudo_truth(values: dict) -> dict:
    """truth.json's pseudo_true section: model -> parameter -> pseudo-true value."""
    return {"models": {model: {"observed scores": {name: {"pseudo_true": v} for name, v in params.items()}}
                       for model, params in values.items()}}


def test_latent_values_only_for_the_model_the_population_defines(config):
    truth = {"processes": ["alliance", "regulation", "depression"],
             "instruments": {"alliance": "sai_patient", "regulation": "ersq", "depression": "qids"},
             "lagged_effects": [[0.3, 0, 0], [0.12, 0.3, 0], [-0.61, -0.2, 0.3]],
             "pseudo_true": pseudo_truth({
                 "sai_patient": {"b_D_A": -0.45, "b_D_E": -0.15, "b_E_A": 0.105, "b_E_A*b_D_E": 0.105 * -0.15},
                 "sai_therapist": {"b_D_A": -0.25}})}
    table = run(config, {"sai_patient": (-0.5, -0.6, 0.1, 0.001), "sai_therapist": (-0.2, -0.6, 0.03, 0.3)},
                truth=truth)
    assert table.loc[0, "Latent value"] == -0.61 and table.loc[0, "CI covers latent"] == "NO"  # [-0.6, -0.4]
    assert table.loc[2, "Latent value"] == -0.2 and table.loc[2, "CI covers latent"] == "NO"  # [-0.7, -0.5]
    assert table.loc[3, "Latent value"] == 0.12 and table.loc[3, "CI covers latent"] == "NO"  # [0.09, 0.11]
    assert table.loc[4, "Latent value"] == pytest.approx(0.12 * -0.2)
    # The therapist-rated model has no latent value, and a pseudo-true value like the others.
    assert pd.isna(table.loc[1, "Latent value"]) and table.loc[1, "CI covers latent"] == ""
    assert table.loc[1, "Pseudo-true value"] == -0.25 and table.loc[1, "CI covers pseudo-true"] == "yes"  # [-0.3, -0.1]
    assert list(table["CI covers pseudo-true"]) == ["yes", "yes", "NO", "yes", "NO"]
    shown = claims_display(table)
    assert shown.loc[1, "Latent value (covered)"] == "n/a"
    assert shown.loc[0, "Latent value (covered)"] == "-0.610 (NO)"
    assert shown.loc[0, "Pseudo-true value (covered)"] == "-0.450 (yes)"
    plain = run(config, {"sai_patient": (-0.5, -0.6, 0.1, 0.001), "sai_therapist": (-0.2, -0.6, 0.03, 0.3)})
    assert "Latent value" not in plain and "Pseudo-true value" not in claims_display(plain)
