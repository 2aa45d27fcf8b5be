"""The optimiser's trust-region step against the optimality conditions of the
trust-region subproblem (Moré and Sorensen 1983), and its preference between ends."""

import numpy as np
import pytest

from panelsem.optimise import better, trust_region_step


def kkt(hess, g, radius, p):
    """The multiplier lam of the step, and whether p solves min g'p + p'Hp/2, |p| <= r:
    (H + lam I) p = -g, lam >= 0, lam (r - |p|) = 0, H + lam I positive semidefinite."""
    lam = float(-(p @ (hess @ p + g)) / (p @ p)) if np.linalg.norm(p) > 0 else 0.0
    lam = max(lam, 0.0)
    ok = (np.allclose((hess + lam * np.eye(len(g))) @ p, -g, atol=1e-7 * max(1, np.abs(g).max()))
          and np.linalg.norm(p) <= radius * (1 + 1e-9)
          and (lam < 1e-9 or abs(np.linalg.norm(p) - radius) < 1e-7 * radius)
          and np.linalg.eigvalsh(hess + lam * np.eye(len(g)))[0] > -1e-8)
    return lam, ok


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("radius", [0.1, 1.0, 100.0])
def test_step_solves_the_subproblem(seed, radius):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((6, 6))
    hess = a + a.T if seed % 2 else a @ a.T + 0.1 * np.eye(6)  # indefinite or positive definite
    g = rng.standard_normal(6)
    p = trust_region_step(hess, g, radius)
    lam, ok = kkt(hess, g, radius, p)
    assert ok, (lam, np.linalg.norm(p))
    if seed % 2 == 0 and radius == 100.0:
        np.testing.assert_allclose(p, -np.linalg.solve(hess, g))  # the Newton step, inside


def test_hard_case():
    """g orthogonal to the eigenvector of the negative eigenvalue: the step still
    reaches the boundary, along that eigenvector."""
    hess = np.diag([-2.0, 1.0, 3.0])
    g = np.array([0.0, 0.1, 0.3])
    p = trust_region_step(hess, g, 1.0)
    assert np.linalg.norm(p) == pytest.approx(1.0)
    assert abs(p[0]) > 0.9
    _, ok = kkt(hess, g, 1.0, p)
    assert ok


def test_better_prefers_the_converged_end_at_equal_likelihood():
    end = (None, 249396.9311057445, None, None, 0, 1.04e-3)
    assert better(249396.9311057441, 2e-10, end)
    assert not better(249396.9311057441, 2e-3, end)
    assert better(249396.0, 5.0, end)
    assert not better(249397.0, 0.0, end)
