"""Which standard errors the fit table and the text report (model.se), and the
sensitivity comparison table's chi-bar-square p and unconverged comparisons."""

import numpy as np
import pandas as pd
import pytest

from panelreport.tables import model_fit_table, sensitivity_comparison_table, sensitivity_models_table
from panelreport.variables import se_text

FIT = {"n": 272, "npar": 40, "loglik": -1000.0, "chisq": 50.0, "df": 30, "pvalue": 0.012, "cfi": 0.98, "tli": 0.97,
       "rmsea": 0.05, "rmsea_ci_lower": 0.02, "rmsea_ci_upper": 0.07, "srmr": 0.04, "aic": 2080.0, "bic": 2224.0}


def diagnostics(se, converged=True):
    return {"converged": converged, "rows_dropped_all_missing": 0, "iterations": 12, "grad_norm": 1e-7,
            "heywood": [], "se": se}


def frame(fit):
    return pd.DataFrame({"measure": list(fit), "value": list(fit.values())})


def test_the_fit_table_says_which_standard_errors():
    table = model_fit_table({"m": frame(FIT)}, {"m": diagnostics("standard")}).set_index("Measure")["m"]
    assert table["Standard errors"] == "observed information"
    assert "Scaled chi-square (df), p" not in table.index
    robust = {**FIT, "chisq_scaled": 41.25, "pvalue_scaled": 0.083}
    table = model_fit_table({"m": frame(robust)}, {"m": diagnostics("robust")}).set_index("Measure")["m"]
    assert table["Standard errors"] == "robust (sandwich, MLR)"
    assert table["Scaled chi-square (df), p"] == "41.250 (30), .083"
    table = model_fit_table({"m": frame(robust)}, {"m": diagnostics("robust", False)}).set_index("Measure")["m"]
    assert table["Scaled chi-square (df), p"] == "(not converged)"


def test_the_text_says_which_standard_errors():
    assert se_text({"a": diagnostics("standard"), "b": diagnostics("standard")}).startswith(
        "Standard errors came from the observed information matrix; robust")
    assert "robust to non-normal scores" in se_text({"a": diagnostics("robust")})
    with pytest.raises(ValueError, match="differ"):
        se_text({"a": diagnostics("standard"), "b": diagnostics("robust")})


def comparison(note="", p_chibar=np.nan):
    return {"comparison": "RI-CLPM vs CLPM", "chisq_diff": 9.5, "df_diff": 3, "p": 0.0233, "p_chibar": p_chibar,
            "aic_restricted": 2100.0, "aic_full": 2096.5, "bic_restricted": 2200.0, "bic_full": 2207.3, "note": note}


def test_chibar_square_p_beside_the_naive_p():
    rows = pd.DataFrame([comparison("boundary", 0.0104), comparison()])
    table = sensitivity_comparison_table({"m": rows})
    assert list(table["p"]) == [".023", ".023"]
    assert list(table["p (chi-bar-square)"]) == [".010", ""]
    assert table["Comparison"].iloc[0].endswith("†")


def test_a_comparison_with_an_unconverged_model_shows_no_numbers():
    rows = pd.DataFrame([comparison("boundary; not converged: RI-CLPM", 0.0104)])
    row = sensitivity_comparison_table({"m": rows}).iloc[0]
    assert row["Chi-square (df)"] == "boundary; not converged: RI-CLPM"
    assert (row["p"], row["p (chi-bar-square)"], row["AIC restricted / full"]) == ("", "", "")


def test_sensitivity_effects_of_an_unconverged_model_are_withheld():
    rows = pd.DataFrame([{"model": "RI-CLPM", "group": "", "converged": True, "heywood": "", "b_E_A": 0.123,
                          "b_E_A_se": 0.045},
                         {"model": "CLPM", "group": "", "converged": False, "heywood": "", "b_E_A": 0.5,
                          "b_E_A_se": 0.1}])
    table = sensitivity_models_table({"m": rows}, [("E", "A")], {"E": "Emotion", "A": "Alliance"})
    assert list(table["Alliance → Emotion"]) == ["0.123 (0.045)", "(not converged)"]
    assert list(table["Converged"]) == ["yes", "NO"]
