"""Model specifications: the RI-CLPM (Hamaker, Kuiper & Grasman, 2015), the CLPM and
the latent curve model with structured residuals, as explicit parameter tables.

Every parameter is spelled out, following the lavaan syntax of Mulder & Hamaker
(2021, SEM 28:638-648), because the defaults of lavaan's sem() and of semopy both
mis-specify the model:

- observed x_kt = mu_kt + RI_k + w_kt, loadings fixed at 1;
- indicator residual variances fixed at 0 (the within factor carries all variance);
- grand means per wave free (``x ~ 1``); latent means 0;
- w_t = B w_(t-1) + z_t; innovations z_t covary within a wave;
- wave-1 within parts covary among themselves; RIs covary among themselves;
- RIs are uncorrelated with the wave-1 within parts (fixed 0 explicitly).

Lagged effects are time-invariant by default: every wave shares one label per
(outcome, predictor) pair, e.g. ``b_E_A``. With ``lagged="free"`` each wave gets its
own label ``b_E_A_t``. ``random_intercepts=False`` gives the CLPM: same dynamics,
no between-person part.

``slopes=True`` gives the latent curve model with structured residuals (LCM-SR;
Curran et al., 2014; Mulder & Hamaker, 2021): each construct also gets a random
slope ``S_k`` with loadings t - t_first. The 2K intercepts and slopes covary among
themselves and not with the wave-1 within parts. Slope means stay fixed at 0:
the free wave means already carry the average trend, so a slope mean would not
be identified; the slopes model person-specific deviations from it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

LCMSR_MIN_WAVES = 4
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
LAGGED = ("invariant", "free")


@dataclass(frozen=True)
class Param:
    """One line of the parameter table."""

    lhs: str
    op: str  # "=~", "~", "~~", "~1"
    rhs: str
    label: str | None = None  # equality label (free) ...
    fixed: float | None = None  # ... or fixed value


@dataclass
class ModelSpec:
    """A panel model: constructs (short name -> wide-column prefix), waves, parameters.

    lagged maps (outcome, predictor) to the labels of that lagged effect over the
    waves: one label when it is held equal over time, one per lag when free.
    construct_of maps every variable to its construct, which puts parameters on a
    common scale for the optimiser.
    """

    constructs: dict[str, str]
    waves: list[int]
    random_intercepts: bool
    params: list[Param]
    observed: list[str]
    lagged: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    construct_of: dict[str, str] = field(default_factory=dict)
    syntax: str = ""  # the model in syntax that lavaan and semopy read alike
    slopes: bool = False  # LCM-SR: random slopes S_k besides the intercepts

    def within(self, construct: str, wave: int) -> str:
        return f"w_{construct}{wave}"

    def column(self, construct: str, wave: int) -> str:
        return f"{self.constructs[construct]}{wave}"

    def lag_labels(self) -> list[str]:
        """Every lagged-effect label, in specification order."""
        return [label for labels in self.lagged.values() for label in labels]

    def effect_of_label(self) -> dict[str, tuple[str, str]]:
        """Lagged-effect label -> (outcome, predictor)."""
        return {label: effect for effect, labels in self.lagged.items() for label in labels}

    @property
    def lags_invariant(self) -> bool:
        return all(len(labels) == 1 for labels in self.lagged.values())

    def invariant_label(self) -> dict[str, str]:
        """Lagged-effect label -> the label of that effect held equal over time
        (b_E_A_3 -> b_E_A), as with_invariant_lags() names it."""
        return {label: f"b_{o}_{p}" for (o, p), labels in self.lagged.items() for label in labels}

    def with_invariant_lags(self) -> ModelSpec:
        """The same model with every lagged effect held equal over time: nested in this
        one, and its solution a start for it (fit.fit_model starts free lags there)."""
        rename = self.invariant_label()
        params = [Param(p.lhs, p.op, p.rhs, rename.get(p.label, p.label), p.fixed) for p in self.params]
        return ModelSpec(
            constructs=dict(self.constructs), waves=list(self.waves), random_intercepts=self.random_intercepts,
            params=params, observed=list(self.observed),
            lagged={pair: (rename[labels[0]],) for pair, labels in self.lagged.items()},
            construct_of=dict(self.construct_of), syntax=render(params), slopes=self.slopes,
        )


def _term(p: Param) -> str:
    if p.fixed is not None:
        return f"{_num(p.fixed)}*{p.rhs}"
    if p.label is not None:
        return f"{p.label}*{p.rhs}"
    return p.rhs


def _num(x: float) -> str:
    return repr(float(x)) if x != int(x) else str(int(x))


def render(params: list[Param]) -> str:
    """Group terms by (lhs, op) in first-appearance order, one statement per line.

    The result is valid in both semopy and lavaan: labels (b*x), fixed values
    (0*x) and intercepts (x ~ 1) are written the same way in the two."""
    groups: dict[tuple[str, str], list[Param]] = {}
    for p in params:
        groups.setdefault((p.lhs, p.op), []).append(p)
    lines = []
    for (lhs, op), ps in groups.items():
        if op == "~1":
            # lavaan() frees no intercept unless asked; semopy reads "1" as its intercept.
            lines.append(f"{lhs} ~ 1")
            continue
        lines.append(f"{lhs} {op} " + " + ".join(_term(p) for p in ps))
    return "\n".join(lines) + "\n"


def parse_waves(text: str) -> list[int]:
    """'1-10' or '1,2,5' or '1-3,6' -> sorted wave numbers."""
    waves: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = (int(x) for x in part.split("-", 1))
            if b < a:
                raise ValueError(f"wave range {part!r} runs backwards")
            waves.update(range(a, b + 1))
        else:
            waves.add(int(part))
    if not waves:
        raise ValueError(f"no waves in {text!r}")
    return sorted(waves)


def parse_construct(text: str) -> tuple[str, str]:
    """'A=sai_patient_' -> ('A', 'sai_patient_')."""
    name, sep, prefix = text.partition("=")
    if not sep or not name or not prefix:
        raise ValueError(f"--construct wants NAME=PREFIX, got {text!r}")
    return name.strip(), prefix.strip()


def lagged_paths(ks: list[str], waves: list[int], lagged: str, w) -> tuple[list[Param], dict]:
    """The lagged paths among the within-person factors w(k, t), shared by the single-
    and the multiple-indicator RI-CLPM: labels b_<out>_<pred>, the wave appended when
    lagged is "free". Returns the paths and each pair's labels, in wave order."""
    params: list[Param] = []
    labels: dict[tuple[str, str], list[str]] = {pair: [] for pair in itertools.product(ks, ks)}
    for t_prev, t in zip(waves[:-1], waves[1:]):
        for out in ks:
            for pred in ks:
                lab = f"b_{out}_{pred}" if lagged == "invariant" else f"b_{out}_{pred}_{t}"
                if lab not in labels[(out, pred)]:
                    labels[(out, pred)].append(lab)
                params.append(Param(w(out, t), "~", w(pred, t_prev), label=lab))
    return params, labels

def build_riclpm(
    constructs: dict[str, str],
    waves: list[int],
    lagged: str = "invariant",
    random_intercepts: bool = True,
    slopes: bool = False,
) -> ModelSpec:
    """Build the RI-CLPM (the CLPM with random_intercepts=False, the LCM-SR with slopes=True).

    constructs maps short names (identifiers, e.g. "A") to wide-column prefixes
    (e.g. "alliance_"); the observed column for construct k at wave t is
    prefix_k + str(t). Waves need not be consecutive; lags link successive
    listed waves.
    """
    if lagged not in LAGGED:
        raise ValueError(f"lagged must be 'invariant' or 'free', not {lagged!r}")
    if not constructs:
        raise ValueError("at least one construct is needed")
    for k, prefix in constructs.items():
        if not IDENTIFIER.match(k):
            raise ValueError(f"construct name {k!r} must be a letter followed by letters/digits/_")
        if not prefix or not IDENTIFIER.match(prefix + "1"):
            raise ValueError(f"prefix {prefix!r} of construct {k!r} does not give valid column names")
    waves = sorted(int(t) for t in waves)
    if len(set(waves)) != len(waves):
        raise ValueError(f"duplicate waves in {waves}")
    if len(waves) < 2:
        raise ValueError("a cross-lagged panel model needs at least 2 waves")
    if random_intercepts and len(waves) < 3:
        raise ValueError("the RI-CLPM needs at least 3 waves to be identified")
    if slopes and not random_intercepts:
        raise ValueError("random slopes need random intercepts (slopes=True, random_intercepts=True)")
    if slopes and len(waves) < LCMSR_MIN_WAVES:
        raise ValueError(f"the LCM-SR needs at least {LCMSR_MIN_WAVES} waves to be identified")
    ks = list(constructs)
    observed = [f"{constructs[k]}{t}" for t in waves for k in ks]
    if len(set(observed)) != len(observed):
        raise ValueError(f"prefixes {list(constructs.values())} produce clashing column names")

    def w(k: str, t: int) -> str:
        return f"w_{k}{t}"

    def x(k: str, t: int) -> str:
        return f"{constructs[k]}{t}"

    params: list[Param] = []
    if random_intercepts:
        for k in ks:
            params += [Param(f"RI_{k}", "=~", x(k, t), fixed=1.0) for t in waves]
    if slopes:
        for k in ks:
            params += [Param(f"S_{k}", "=~", x(k, t), fixed=float(t - waves[0])) for t in waves]
    for t in waves:
        for k in ks:
            params.append(Param(w(k, t), "=~", x(k, t), fixed=1.0))

    lag_params, lag_labels = lagged_paths(ks, waves, lagged, w)
    params += lag_params

    t1 = waves[0]
    # Wave-1 within parts, then innovations: variances and within-wave covariances.
    for t in waves:
        for i, a in enumerate(ks):
            for b in ks[i:]:
                params.append(Param(w(a, t), "~~", w(b, t)))
    if random_intercepts:
        between = [f"RI_{k}" for k in ks] + ([f"S_{k}" for k in ks] if slopes else [])
        for i, a in enumerate(between):
            for b in between[i:]:
                params.append(Param(a, "~~", b))
        # Both programs would otherwise let exogenous latents covary.
        for a in between:
            for b in ks:
                params.append(Param(a, "~~", w(b, t1), fixed=0.0))
    for t in waves:
        for k in ks:
            params.append(Param(x(k, t), "~~", x(k, t), fixed=0.0))
    for t in waves:
        for k in ks:
            params.append(Param(x(k, t), "~1", "1"))

    return ModelSpec(
        constructs=dict(constructs),
        waves=waves,
        random_intercepts=random_intercepts,
        slopes=slopes,
        params=params,
        observed=observed,
        lagged={pair: tuple(labels) for pair, labels in lag_labels.items()},
        construct_of={
            **{f"RI_{k}": k for k in ks},
            **({f"S_{k}": k for k in ks} if slopes else {}),
            **{v: k for k in ks for t in waves for v in (w(k, t), x(k, t))},
        },
        syntax=render(params),
    )
