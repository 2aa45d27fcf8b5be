"""The RI-CLPM/CLPM builder: parameter counts, explicit overrides, labels, errors."""

import re

import pytest

from panelsem import spec as riclpm
from panelsem.model import Matrices

ABC = {"A": "alliance_", "E": "regulation_", "D": "depression_"}
WAVES = list(range(1, 11))


def n_free(spec):
    return Matrices(spec).k


@pytest.mark.parametrize(
    "lagged, ri, expected",
    [
        # 30 means + 6 wave-1 (co)variances + 9 x 6 innovation (co)variances
        # + 6 RI (co)variances + 9 lagged effects (invariant) or 9 x 9 (free)
        ("invariant", True, 30 + 6 + 54 + 6 + 9),
        ("free", True, 30 + 6 + 54 + 6 + 81),
        ("invariant", False, 30 + 6 + 54 + 9),
    ],
)
def test_parameter_count(lagged, ri, expected):
    spec = riclpm.build_riclpm(ABC, WAVES, lagged=lagged, random_intercepts=ri)
    assert n_free(spec) == expected
    # lavaan syntax: same free parameters, labels counted once
    free_terms = 0
    labels = set()
    for line in spec.syntax.splitlines():
        lhs, op, rhs = re.match(r"(\S+) (=~|~~|~) (.*)", line).groups()
        for term in rhs.split(" + "):
            if term == "1":
                free_terms += 1
            elif "*" not in term:
                free_terms += 1
            elif not re.match(r"^-?[0-9.]+\*", term):
                labels.add(term.split("*")[0])
    assert free_terms + len(labels) == expected


def test_explicit_overrides():
    spec = riclpm.build_riclpm(ABC, [1, 2, 3])
    for col in spec.observed:
        assert f"{col} ~~ 0*{col}" in spec.syntax
        assert f"{col} ~ 1" in spec.syntax
    for a in ABC:
        for b in ABC:
            assert re.search(rf"RI_{a} ~~ .*0\*w_{b}1\b", spec.syntax)
    # no free residual (theta) parameter
    assert not any(name == "theta" for name, _, _ in Matrices(spec).locations)


def test_lagged_labels():
    inv = riclpm.build_riclpm(ABC, [1, 2, 4, 5])
    assert inv.lagged[("D", "A")] == ("b_D_A",)
    assert inv.syntax.count("b_D_A*") == 3  # waves 2, 4, 5 (4 follows 2)
    assert "w_D4 ~ b_D_A*w_A2" in inv.syntax
    assert inv.lags_invariant and len(inv.lag_labels()) == 9
    free = riclpm.build_riclpm(ABC, [1, 2, 4, 5], lagged="free")
    assert free.lagged[("E", "A")] == ("b_E_A_2", "b_E_A_4", "b_E_A_5")
    assert not free.lags_invariant and free.effect_of_label()["b_E_A_4"] == ("E", "A")


def test_clpm_has_no_random_intercepts():
    spec = riclpm.build_riclpm(ABC, [1, 2], random_intercepts=False)
    assert "RI_" not in spec.syntax
    assert spec.observed == ["alliance_1", "regulation_1", "depression_1", "alliance_2", "regulation_2",
                             "depression_2"]


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        ({"constructs": {"1A": "x_"}, "waves": [1, 2, 3]}, "construct name"),
        ({"constructs": {"A": "x-"}, "waves": [1, 2, 3]}, "prefix"),
        ({"constructs": ABC, "waves": [1, 2]}, "at least 3 waves"),
        ({"constructs": ABC, "waves": [1, 1, 2]}, "duplicate"),
        ({"constructs": ABC, "waves": [1, 2, 3], "lagged": "random"}, "lagged"),
        ({"constructs": {"A": "x_1", "B": "x_"}, "waves": [1, 11, 12]}, "clashing"),
    ],
)
def test_bad_input(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        riclpm.build_riclpm(**kwargs)


def test_parse_helpers():
    assert riclpm.parse_waves("1-3,6") == [1, 2, 3, 6]
    assert riclpm.parse_construct("E=ersq_") == ("E", "ersq_")
    with pytest.raises(ValueError):
        riclpm.parse_waves("3-1")
    with pytest.raises(ValueError):
        riclpm.parse_construct("ersq_")
