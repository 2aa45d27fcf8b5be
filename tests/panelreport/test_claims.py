"""The claims table and its verdicts."""

import pandas as pd
import pytest

from panelreport.claims import claims_table, verdict


@pytest.mark.parametrize(("lower", "upper", "sign", "expected"), [
    (-0.5, -0.1, -1, "supported"),
    (0.1, 0.5, -1, "contradicted"),
    (-0.1, 0.2, +1, "not supported (CI includes 0)"),
    (0.1, 0.5, +1, "supported"),
])
def test_verdict(lower, upper, sign, expected):
    assert verdict(lower, upper, sign) == expected


def test_claims_table_uses_patient_truth_only():
    lagged = {r: pd.DataFrame({"outcome": ["D", "D", "E"], "predictor": ["A", "E", "A"], "est": [-0.5, -0.6, 0.1],
                               "ci_lower": [-0.8, -0.9, 0.05], "ci_upper": [-0.2, -0.3, 0.15], "p": [0.001, 0.002, 0.003]})
              for r in ("patient", "therapist")}
    indirect = {r: pd.DataFrame([{"estimate": -0.06, "boot_lower": -0.1, "boot_upper": -0.02, "boot_p": 0.01}])
                for r in ("patient", "therapist")}
    truth = {"lagged_effects": [[0.3, 0, 0], [0.12, 0.3, 0], [-0.61, -0.2, 0.3]], "indirect_effect": {"value": -0.024}}
    table = claims_table(lagged, indirect, truth).set_index("Claim")
    row = table.loc["Emotion regulation predicts next week's depression"]
    assert row["True value"] == -0.2 and row["CI covers truth"] == "NO"  # -0.2 is outside [-0.9, -0.3]
    assert table.loc["Alliance predicts next week's emotion regulation", "True value"] == 0.12
    assert pd.isna(table.loc["Therapist-rated alliance predicts next week's depression", "True value"])
    assert "True value" not in claims_table(lagged, indirect, None)
