"""Indirect effect intervals, against independent computations."""

import numpy as np
import pandas as pd
import pytest

from panelsem import spec as riclpm
import panelsem
from panelsem import simulate as ws
from panelstudy.indirect import (REPLICATE_GRAD_TOL, bootstrap_interval, bootstrap_replicates, monte_carlo_interval,
                              path_estimates, product, resample, resample_rows)


def test_monte_carlo_interval_matches_exact_quantiles():
    # Independent paths a ~ N(ma, sa^2) (positive with certainty here) and b ~ N(mb, sb^2):
    # P(ab <= q) = integral of Phi((q/a - mb)/sb) phi_a(a) da, inverted by root finding.
    from scipy import integrate, optimize, stats

    ma, mb, sa, sb = 0.3, -0.5, 0.05, 0.1

    def cdf(q):
        return integrate.quad(lambda a: stats.norm.cdf((q / a - mb) / sb) * stats.norm.pdf(a, ma, sa),
                              ma - 8 * sa, ma + 8 * sa)[0]

    lower, upper = (optimize.brentq(lambda q, p=p: cdf(q) - p, -1, 1) for p in (0.025, 0.975))
    mc = monte_carlo_interval(np.array([ma, mb]), np.diag([sa**2, sb**2]), draws=400_000, seed=1)
    assert mc["estimate"] == pytest.approx(ma * mb)
    assert mc["lower"] == pytest.approx(lower, abs=0.001)
    assert mc["upper"] == pytest.approx(upper, abs=0.001)


def test_monte_carlo_is_seeded():
    args = (np.array([0.1, -0.4]), np.array([[0.001, 0.0002], [0.0002, 0.02]]))
    assert monte_carlo_interval(*args, draws=5000, seed=3) == monte_carlo_interval(*args, draws=5000, seed=3)
    assert monte_carlo_interval(*args, draws=5000, seed=3) != monte_carlo_interval(*args, draws=5000, seed=4)


def test_resample_draws_whole_participants():
    wide = pd.DataFrame({"id": list("abcde"), "x_1": [1.0, 2, 3, 4, 5], "x_2": [10.0, 20, 30, 40, 50]})
    draw = resample(wide, seed=7)
    assert len(draw) == 5 and set(draw["id"]) <= set("abcde")
    assert ((draw["x_2"] / draw["x_1"]) == 10).all()  # rows stay intact


def test_bootstrap_interval_counts_failures():
    reps = pd.DataFrame({"indirect": np.r_[np.linspace(-1, 1, 101), 50.0], "converged": [True] * 101 + [False]})
    out = bootstrap_interval(reps["indirect"], reps["converged"])
    assert out["not_converged"] == 1 and out["replicates"] == 102
    assert out["lower"] == pytest.approx(-0.95) and out["upper"] == pytest.approx(0.95)


def test_path_estimates_needs_invariant_labels():
    est = pd.DataFrame({"label": ["b_E_A", "b_E_A", None], "est": [0.2, 0.2, 1.0]})
    with pytest.raises(ValueError, match="b_D_E"):
        path_estimates(est, ["b_E_A", "b_D_E"])


AED = {"A": "a_", "E": "e_", "D": "d_"}
LABELS = ["b_D_A", "b_D_E", "b_E_A"]


@pytest.fixture(scope="module")
def panel():
    """Small three-construct panel on which some resamples put an RI variance at its bound."""
    data = ws.simulate_wide(n=150, waves=4, constructs=AED, seed=1)
    spec = riclpm.build_riclpm(AED, [1, 2, 3, 4])
    full = panelsem.fit_model(data, spec)
    return data, spec, full, panelsem.Refitter(data, spec, full, grad_tol=REPLICATE_GRAD_TOL)


def test_fast_refit_matches_cold_fit(panel):
    """Both stop at a gradient of -2 log L below grad_tol (the cold fit 1e-3); an
    error of H^-1 g is then a tiny fraction of a standard error."""
    data, spec, full, refitter = panel
    se = np.sqrt(np.diag(full.vcov.to_numpy()))
    fast = 0
    for seed in range(8):
        rows = resample_rows(len(data), seed)
        x, converged, used_fast = refitter.refit(rows)
        if not used_fast:
            continue
        fast += 1
        cold = panelsem.fit_model(data.iloc[rows].reset_index(drop=True), spec, se=False, fit_measures=False)
        assert converged and cold.diagnostics["converged"]
        assert np.all(np.abs(x - cold.params) < 0.01 * se)
    assert fast >= 4


def test_refit_falls_back_to_fit_model(panel):
    data, spec, full, refitter = panel
    old_path = {}
    for seed in range(12):
        rows = resample_rows(len(data), seed)
        x, converged, used_fast = refitter.refit(rows)
        if not used_fast:
            old_path[seed] = (x, converged)
    # Resamples whose optimum has a variance at its bound, which the quasi-Newton steps leave alone.
    assert old_path
    forced = panelsem.Refitter(data, spec, full.params, grad_tol=REPLICATE_GRAD_TOL)
    forced.MAX_STEPS = 1  # cannot reach grad_tol from the start in one step
    old_path[99] = forced.refit(resample_rows(len(data), 99))[:2]
    assert not forced.refit(resample_rows(len(data), 99))[2]
    for seed, (x, converged) in old_path.items():
        fit = panelsem.fit_model(resample(data, seed), spec, start=full, se=False, fit_measures=False,
                                   grad_tol=REPLICATE_GRAD_TOL)
        np.testing.assert_array_equal(x, fit.params)
        assert converged == fit.diagnostics["converged"]


def test_bootstrap_replicates_as_refits_of_resamples(panel):
    data, spec, full, _ = panel
    seeds = {i: 100 + i for i in range(6)}
    reps = bootstrap_replicates(data, spec, full, seeds, LABELS, progress=False)
    assert list(reps.columns) == ["replicate", "seed", "converged", *LABELS]
    pd.testing.assert_frame_equal(reps, bootstrap_replicates(data, spec, full, seeds, LABELS, progress=False))
    se = full.estimates.drop_duplicates("label").set_index("label")["se"]
    for row in reps.itertuples():
        fit = panelsem.fit_model(resample(data, row.seed), spec, start=full, se=False, fit_measures=False,
                                   grad_tol=REPLICATE_GRAD_TOL)
        assert row.converged == fit.diagnostics["converged"]
        old = path_estimates(fit.estimates, LABELS)
        assert np.all(np.abs(np.array([getattr(row, label) for label in LABELS]) - old) < 0.01 * se[LABELS].to_numpy())
    assert (product(reps, ["b_E_A", "b_D_E"]) == reps["b_E_A"] * reps["b_D_E"]).all()
    assert bootstrap_replicates(data, spec, full, {}, LABELS, progress=False).empty
    with pytest.raises(ValueError, match="b_X_A"):
        bootstrap_replicates(data, spec, full, seeds, ["b_X_A"], progress=False)
