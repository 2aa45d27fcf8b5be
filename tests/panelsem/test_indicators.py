"""The multiple-indicator RI-CLPM (Mulder & Hamaker, 2021, extension 3): its parameter
table, its likelihood's gradient, convergence, and agreement with lavaan on a small
case (weak and strong invariance)."""

import numpy as np
import pytest

from panelsem import lavaan as lc
from panelsem.fit_measures import lr_test
from panelsem.indicators import build_mi_riclpm, fit_mi_riclpm, start_values
from panelsem.model import Matrices
from panelsem.problem import FIMLProblem
from panelsem.results import lagged_effects
from panelsem.simulate import indicator_prefixes, simulate_indicators

AE = {"A": "a_", "E": "e_"}
W4 = [1, 2, 3, 4]


def small(seed=3, n=400):
    return simulate_indicators(n=n, waves=4, constructs=AE, indicators=3, seed=seed)


def test_parameter_count_weak_and_strong():
    k, j, t = 2, 3, 4
    weak = build_mi_riclpm(indicator_prefixes(AE, j), W4)
    ris = k * j
    expected = (ris * (ris + 1) // 2          # random intercepts of the indicators
                + k * (j - 1)                 # loadings, equal over time
                + k * k                       # lagged effects, time-invariant
                + t * k * (k + 1) // 2        # wave-1 factors, then innovations
                + t * k * j                   # residual variances
                + t * k * j)                  # intercepts per wave
    assert Matrices(weak).k == expected
    strong = build_mi_riclpm(indicator_prefixes(AE, j), W4, invariance="strong")
    # Intercepts once per indicator, factor means free from the second wave.
    assert Matrices(strong).k == expected - t * k * j + k * j + (t - 1) * k
    assert "a_p2_3 ~ nu_A_2*1" in strong.syntax and "w_A3 =~ 1*a_p1_3 + lam_A_2*a_p2_3" in strong.syntax
    assert weak.indicators == {"A": ("A_1", "A_2", "A_3"), "E": ("E_1", "E_2", "E_3")}
    assert weak.lag_labels() == ["b_A_A", "b_A_E", "b_E_A", "b_E_E"]


def test_errors():
    with pytest.raises(ValueError, match="at least 2"):
        build_mi_riclpm({"A": ["a_p1_"]}, W4)
    with pytest.raises(ValueError, match="3 waves"):
        build_mi_riclpm(indicator_prefixes(AE, 2), [1, 2])
    with pytest.raises(ValueError, match="weak"):
        build_mi_riclpm(indicator_prefixes(AE, 2), W4, invariance="configural")
    with pytest.raises(ValueError, match="clashing"):
        build_mi_riclpm({"A": ["x_", "x_"]}, W4)


@pytest.mark.parametrize("invariance", ["weak", "strong"])
def test_gradient_against_finite_differences(invariance):
    """Free loadings and shared intercepts go through the engine's chain rule."""
    data = small()
    spec = build_mi_riclpm(indicator_prefixes(AE, 3), W4, invariance=invariance)
    prob = FIMLProblem(data, spec)
    x = start_values(data, spec)
    assert np.isfinite(prob.f(x))
    _, g = prob.fg(x)
    rng = np.random.default_rng(0)
    for i in rng.choice(prob.k, 25, replace=False):
        h = 1e-5 * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        numeric = (prob.f(up) - prob.f(down)) / (2 * h)
        assert numeric == pytest.approx(g[i], rel=1e-5, abs=1e-4), prob.names[i]


@pytest.fixture(scope="module")
def fits():
    data = small()
    out = {}
    for invariance in ("weak", "strong"):
        spec = build_mi_riclpm(indicator_prefixes(AE, 3), W4, invariance=invariance)
        out[invariance] = (spec, fit_mi_riclpm(data, spec, fit_measures=True))
    return data, out


def test_converges_and_recovers_the_lags(fits):
    _, out = fits
    spec, fit = out["weak"]
    assert fit.converged and fit.diagnostics["grad_norm"] < 1e-3
    lags = lagged_effects(fit, spec).drop_duplicates("label").set_index("label")
    # simulate_wide's B for A, E, in standardised units on scales 0.8 and 0.6.
    b = {"b_A_A": 0.30, "b_E_E": 0.25, "b_E_A": 0.15 * 0.6 / 0.8, "b_A_E": 0.05 * 0.8 / 0.6}
    for label, value in b.items():
        assert abs(lags.loc[label, "est"] - value) < 3 * lags.loc[label, "se"], label


def test_strong_invariance_is_nested_in_weak(fits):
    _, out = fits
    weak, strong = out["weak"][1], out["strong"][1]
    test = lr_test(strong.fit, weak.fit)
    assert test["df_diff"] == 2 * 3 * 4 - 2 * 3 - 3 * 2 == 12
    assert test["chisq_diff"] > -1e-6  # the weak model cannot fit worse
    # The simulated intercepts do not change over time: no reason to reject.
    assert test["p"] > 0.001


@pytest.mark.needs("lavaan")
@pytest.mark.parametrize("invariance", ["weak", "strong"])
def test_agrees_with_lavaan(fits, tmp_path, invariance, agrees_with_lavaan):
    """Same spec, same data with dropout and skipped cells, lavaan(missing = "ml")."""
    data, out = fits
    spec, ours = out[invariance]
    lav = lc.run_lavaan(data, spec, tmp_path)
    assert bool(lav["times"]["converged"].iloc[0])
    fit = agrees_with_lavaan(lc.compare(ours, lav), counts=("npar", "df", "n"))
    for name in ("cfi", "tli", "rmsea", "srmr"):
        assert fit.loc[name, "abs_diff"] < 1e-4, name
