"""Model builder for the RI-CLPM (Hamaker, Kuiper & Grasman, 2015) and the CLPM.

Writes the model in syntax that semopy and lavaan read alike, following the
explicit lavaan specification of Mulder & Hamaker (2021, SEM 28:638-648). Every
parameter is spelled out because both programs' defaults mis-specify the model:

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
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Param:
    """One line of the parameter table shared by both syntaxes."""

    lhs: str
    op: str  # "=~", "~", "~~", "~1"
    rhs: str
    label: str | None = None  # equality label (free) ...
    fixed: float | None = None  # ... or fixed value


@dataclass
class ModelSpec:
    constructs: dict[str, str]
    waves: list[int]
    lagged_mode: str
    random_intercepts: bool
    params: list[Param]
    observed: list[str]
    latent: list[str]
    # (outcome, predictor) -> label (invariant) or list of labels, one per lag
    lagged: dict[tuple[str, str], str | list[str]] = field(default_factory=dict)
    # every variable (observed or latent) -> its construct; used to put
    # parameters on a common scale for the optimiser
    construct_of: dict[str, str] = field(default_factory=dict)
    description: str = ""
    lavaan: str = ""
    slopes: bool = False  # LCM-SR: random slopes S_k besides the intercepts

    def within(self, construct: str, wave: int) -> str:
        return f"w_{construct}{wave}"

    def column(self, construct: str, wave: int) -> str:
        return f"{self.constructs[construct]}{wave}"


def _term(p: Param) -> str:
    if p.fixed is not None:
        return f"{_num(p.fixed)}*{p.rhs}"
    if p.label is not None:
        return f"{p.label}*{p.rhs}"
    return p.rhs


def _num(x: float) -> str:
    return repr(float(x)) if x != int(x) else str(int(x))


def _render(params: list[Param]) -> str:
    """Group terms by (lhs, op) in first-appearance order, one statement per line.

    The result is valid in both semopy and lavaan: labels (b*x), fixed values
    (0*x) and intercepts (x ~ 1) are written the same way in the two."""
    groups: dict[tuple[str, str], list[Param]] = {}
    for p in params:
        groups.setdefault((p.lhs, p.op), []).append(p)
    lines = []
    for (lhs, op), ps in groups.items():
        if op == "~1":
            # lavaan() frees no intercept unless asked; semopy's ModelMeans
            # reads "1" as its intercept pseudo-variable.
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


def build_riclpm(
    constructs: dict[str, str],
    waves: list[int],
    lagged: str = "invariant",
    random_intercepts: bool = True,
    slopes: bool = False,
) -> ModelSpec:
    """Build the RI-CLPM (or CLPM with random_intercepts=False).

    constructs maps short names (identifiers, e.g. "A") to wide-column prefixes
    (e.g. "sai_patient_"); the observed column for construct k at wave t is
    prefix_k + str(t). Waves need not be consecutive; lags link successive
    listed waves.
    """
    if lagged not in ("invariant", "free"):
        raise ValueError(f"lagged must be 'invariant' or 'free', not {lagged!r}")
    if not constructs:
        raise ValueError("at least one construct is needed")
    for k, prefix in constructs.items():
        if not _IDENT.match(k):
            raise ValueError(f"construct name {k!r} must be a letter followed by letters/digits/_")
        if not prefix or not _IDENT.match(prefix + "1"):
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
    latent: list[str] = []
    if random_intercepts:
        for k in ks:
            latent.append(f"RI_{k}")
            params += [Param(f"RI_{k}", "=~", x(k, t), fixed=1.0) for t in waves]
    if slopes:
        for k in ks:
            latent.append(f"S_{k}")
            params += [Param(f"S_{k}", "=~", x(k, t), fixed=float(t - waves[0])) for t in waves]
    for t in waves:
        for k in ks:
            latent.append(w(k, t))
            params.append(Param(w(k, t), "=~", x(k, t), fixed=1.0))

    lag_labels: dict[tuple[str, str], str | list[str]] = {}
    for out, pred in itertools.product(ks, ks):
        lag_labels[(out, pred)] = f"b_{out}_{pred}" if lagged == "invariant" else []
    for t_prev, t in zip(waves[:-1], waves[1:]):
        for out in ks:
            for pred in ks:
                if lagged == "invariant":
                    lab = lag_labels[(out, pred)]
                else:
                    lab = f"b_{out}_{pred}_{t}"
                    lag_labels[(out, pred)].append(lab)
                params.append(Param(w(out, t), "~", w(pred, t_prev), label=lab))

    t1 = waves[0]
    # Wave-1 within parts: free variances and covariances.
    for i, a in enumerate(ks):
        for b in ks[i:]:
            params.append(Param(w(a, t1), "~~", w(b, t1)))
    # Innovations: variances and within-wave covariances.
    for t in waves[1:]:
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

    spec = ModelSpec(
        constructs=dict(constructs),
        waves=waves,
        lagged_mode=lagged,
        random_intercepts=random_intercepts,
        slopes=slopes,
        params=params,
        observed=observed,
        latent=latent,
        lagged=lag_labels,
        construct_of={
            **{f"RI_{k}": k for k in ks},
            **({f"S_{k}": k for k in ks} if slopes else {}),
            **{v: k for k in ks for t in waves for v in (w(k, t), x(k, t))},
        },
    )
    spec.description = spec.lavaan = _render(params)
    return spec


def parse_construct(text: str) -> tuple[str, str]:
    """'A=sai_patient_' -> ('A', 'sai_patient_')."""
    name, sep, prefix = text.partition("=")
    if not sep or not name or not prefix:
        raise ValueError(f"--construct wants NAME=PREFIX, got {text!r}")
    return name.strip(), prefix.strip()


def add_model_arguments(ap) -> None:
    """Command-line arguments shared by the scripts that fit a model to a wide CSV."""
    ap.add_argument("data", help="wide CSV: one row per person, columns PREFIX+WAVE, empty = missing")
    ap.add_argument("--construct", action="append", required=True, metavar="NAME=PREFIX",
                    help="construct short name and column prefix, e.g. E=ersq_ (repeat per construct)")
    ap.add_argument("--waves", required=True, help="waves, e.g. 1-10 or 1,2,3,5")
    ap.add_argument("--lagged", choices=["invariant", "free"], default="invariant",
                    help="lagged effects equal over time (default) or free per wave")
    ap.add_argument("--clpm", action="store_true", help="fit the CLPM (no random intercepts)")


def spec_from_args(args) -> ModelSpec:
    constructs = dict(parse_construct(c) for c in args.construct)
    if len(constructs) != len(args.construct):
        raise ValueError("a construct name is given twice")
    return build_riclpm(constructs, parse_waves(args.waves), lagged=args.lagged,
                        random_intercepts=not args.clpm)
