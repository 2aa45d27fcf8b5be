"""Sensitivity models for the RI-CLPM and a table of nested-model comparisons.

Models (all FIML with a mean structure, same rows):
- RI-CLPM, lagged effects time-invariant (the main model), with the standard errors of
  model.se, and again with the other type (standard: observed information; robust:
  lavaan's MLR sandwich); the multigroup and multiple-indicator models have standard
  ones only;
- CLPM (no random intercepts);
- RI-CLPM with lagged effects free over time;
- LCM-SR (random intercepts and slopes, structured residuals; detrended variant);
- multigroup RI-CLPM by arm, lagged effects equal across arms, and free across
  arms (= separate fits per arm);
- the multiple-indicator RI-CLPM (panelsem.indicators) on the instruments' item
  parcels, with loadings equal over time (weak invariance) and with intercepts equal
  too (strong invariance), compared with each other. It models the measurement error
  that the score model absorbs into the within-person parts: its lagged effects show
  how much of the score model's attenuation that error explains. It is fitted to
  other variables than the others, so it is compared with no score model.

Comparisons are likelihood-ratio tests of nested pairs: chisq_diff =
2 (loglik_full - loglik_restricted), df_diff = npar_full - npar_restricted. When
the restriction puts variances on the boundary (CLPM in RI-CLPM: RI variances 0;
RI-CLPM in LCM-SR: slope variances 0) the null distribution is a chi-bar-square
mixture and the naive chi-square p-value is conservative (too large); the note
column says so. For CLPM in RI-CLPM, p_chibar is the chi-bar-square p (Stoel et al.,
2006), its mixture weights from the main model's observed information.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from panelsem.fit import SE_TYPES, fit_model, start_from
from panelsem.fit_measures import chi2_sf, chibar_square_test, information_criteria, lr_test
from panelsem.indicators import build_mi_riclpm, fit_mi_riclpm
from panelsem.model import Matrices
from panelsem.multigroup import fit_multigroup
from panelsem.results import FitResult, lagged_by_group
from panelsem.spec import LCMSR_MIN_WAVES, ModelSpec, build_riclpm
from panelstudy.premodel import group_problems

BOUNDARY_NOTE = ("restriction fixes variances at the boundary (0): the null distribution is a "
                 "chi-bar-square mixture, so this naive chi-square p is conservative")

MAIN = "RI-CLPM"
CLPM = "CLPM"
FREE = "RI-CLPM, free lags"
LCMSR = "LCM-SR"
MG_EQUAL = "multigroup, lags equal across arms"
MG_FREE = "multigroup, lags free across arms"
MI_WEAK = "multiple indicators, weak invariance"
MI_STRONG = "multiple indicators, strong invariance"
MI_COMPARISON = "multiple indicators: weak vs strong invariance"


@dataclass
class SensitivityResult:
    comparison: pd.DataFrame
    models: pd.DataFrame
    fits: dict = field(default_factory=dict)  # model name -> FitResult / MultigroupResult / {group: FitResult}
    specs: dict = field(default_factory=dict)
    log: list = field(default_factory=list)  # one dict per fit: model, converged, seconds


def comparison_row(label: str, restricted: str, full: str, fits: dict, note: str = "",
                   converged: dict | None = None) -> dict:
    """fits: model name -> fit measures; converged: model name -> whether its fit
    converged (a comparison with one that did not is no result, and the note says so)."""
    r, f = fits[restricted], fits[full]
    row = {"comparison": label, "restricted": restricted, "full": full}
    for what in ("loglik", "npar", "aic", "bic"):
        row[f"{what}_restricted"] = float(r[what])
        row[f"{what}_full"] = float(f[what])
    row.update(lr_test(r, f))
    if row["chisq_diff"] < -1e-6:
        # A nested full model cannot fit worse at its maximum.
        note = "; ".join(x for x in (note, "full model fits worse: an optimisation failure") if x)
    failed = [name for name in (restricted, full) if converged is not None and not converged[name]]
    if failed:
        note = "; ".join(x for x in (note, f"not converged: {' and '.join(failed)}") if x)
    row["note"] = note
    return row


def chibar_p(restricted: FitResult, full: FitResult) -> float:
    """The chi-bar-square p of a restriction of full's variances to 0 (chibar_square_test);
    NaN where full's covariance matrix of the estimates is not finite."""
    try:
        return float(chibar_square_test(restricted, full)["p_chibar"])
    except ValueError:
        return np.nan


def key_lagged(fit: FitResult, spec: ModelSpec, effects) -> dict:
    """est and se of each key lagged effect; with free lags the mean over waves,
    its SE by the delta method (a linear combination) from the covariance matrix."""
    out = {}
    for o, p in effects:
        labels = spec.lagged.get((o, p))
        if labels is None:
            continue
        name = f"b_{o}_{p}"
        idx = [fit.param_names.index(lab) for lab in labels]
        w = np.full(len(idx), 1.0 / len(idx))
        out[name] = float(w @ fit.params[idx])
        if fit.vcov is None:
            out[f"{name}_se"] = np.nan
        else:
            v = fit.vcov.to_numpy()[np.ix_(idx, idx)]
            out[f"{name}_se"] = float(np.sqrt(w @ v @ w)) if np.all(np.isfinite(v)) else np.nan
    return out


def _model_row(model: str, group: str, fit: dict, diagnostics: dict, lags: dict, lag_summary: str) -> dict:
    heywood = [h["parameter"] for h in diagnostics.get("heywood", [])]
    row = {"model": model, "group": group, "converged": bool(diagnostics["converged"]),
           "heywood": "; ".join(heywood)}
    for what in ("loglik", "npar", "n", "aic", "bic", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"):
        row[what] = float(fit[what]) if what in fit else np.nan
    row.update(lags)
    row["lag_summary"] = lag_summary
    return row


def _log_entry(model: str, group: str, diagnostics: dict, t0: float) -> dict:
    return {"model": model, "group": group, "converged": bool(diagnostics["converged"]),
            "grad_norm": float(diagnostics["grad_norm"]), "seconds": time.perf_counter() - t0}


def _invariant_label(name: str) -> str:
    """Free-lag label b_E_A_3 -> time-invariant label b_E_A; other names unchanged."""
    return name.rsplit("_", 1)[0] if name.startswith("b_") and "~" not in name else name


def fit_sensitivity(wide: pd.DataFrame, constructs: dict[str, str], waves: list[int], effects,
                    group_column: str | None = "arm", groups=None, min_coverage: int = 2,
                    parcels: pd.DataFrame | None = None,
                    indicators: dict[str, list[str]] | None = None,
                    se: str = "standard") -> SensitivityResult:
    """Fit every sensitivity model to the wide panel; constructs maps short name ->
    column prefix (e.g. {"A": "sai_patient_", ...}); effects: the (outcome, predictor)
    lagged effects each model reports (the hypotheses); groups: the values of
    group_column that the multigroup model compares (default all; fewer than two: not
    fitted); min_coverage: the participants each score and pair of scores needs within
    each group (model.min_coverage), or the multigroup model is not estimable. parcels
    and indicators: the parcels' wide panel (same rows as wide) and each construct's
    parcel prefixes, for the multiple-indicator models (None: not fitted). se: the
    standard errors of the single-group fits (model.se), the main model's row under the
    other type following its own."""
    if se not in SE_TYPES:
        raise ValueError(f"se must be one of {SE_TYPES}, not {se!r}")
    other_se = next(t for t in SE_TYPES if t != se)
    other_main = f"{MAIN}, {other_se} SEs"
    waves = list(waves)
    main_spec = build_riclpm(constructs, waves)
    specs = {
        MAIN: main_spec,
        other_main: main_spec,
        CLPM: build_riclpm(constructs, waves, random_intercepts=False),
        FREE: build_riclpm(constructs, waves, lagged="free"),
    }
    with_slopes = len(waves) >= LCMSR_MIN_WAVES
    if with_slopes:
        specs[LCMSR] = build_riclpm(constructs, waves, slopes=True)
    fits, log, rows = {}, [], []

    def single(name, start=None):
        t0 = time.perf_counter()
        res = fit_model(wide, specs[name], start=start, se=se)
        if start is not None and not res.diagnostics["converged"]:
            # A warm start that fails is retried from moment-based starts; the
            # higher likelihood wins.
            other = fit_model(wide, specs[name], se=se)
            if other.fit["loglik"] > res.fit["loglik"]:
                res = other
        fits[name] = res
        log.append(_log_entry(name, "", res.diagnostics, t0))
        return res

    main = single(MAIN)
    t0 = time.perf_counter()
    # The same estimates (started at the main optimum), the other standard errors.
    fits[other_main] = fit_model(wide, main_spec, start=main.params, se=other_se)
    log.append(_log_entry(other_main, "", fits[other_main].diagnostics, t0))
    single(CLPM)
    # Warm starts from the nested main model: the free-lag model's L-BFGS-B stalls
    # from moment starts (a damped Newton rescue costs 10 s on the default data).
    single(FREE, start=start_from(main, specs[FREE],
                                  {name: _invariant_label(name) for name in Matrices(specs[FREE]).names}))
    # The LCM-SR starts at the RI-CLPM optimum (slope (co)variances 0): it begins
    # where the restricted model ends, so it can only gain likelihood. Positive
    # slope-variance starts made L-BFGS-B fail on the default data.
    if with_slopes:
        single(LCMSR, start=start_from(main, specs[LCMSR]))

    labels = {
        MAIN: f"time-invariant, {se} SEs",
        other_main: f"time-invariant, {other_se} SEs",
        CLPM: "time-invariant",
        FREE: "mean over waves (delta-method SE)",
        LCMSR: "time-invariant",
    }
    for name in specs:
        res = fits[name]
        rows.append(_model_row(name, "", res.fit, res.diagnostics, key_lagged(res, specs[name], effects),
                               labels[name]))

    measures = {k: v.fit for k, v in fits.items()}
    converged = {k: bool(v.diagnostics["converged"]) for k, v in fits.items()}
    versus_clpm = comparison_row("RI-CLPM vs CLPM", CLPM, MAIN, measures, BOUNDARY_NOTE, converged)
    # The mixture weights need the information matrix: the standard-error fit's.
    versus_clpm["p_chibar"] = chibar_p(fits[CLPM], main if se == "standard" else fits[other_main])
    comparisons = [
        versus_clpm,
        comparison_row("invariant vs free lags", MAIN, FREE, measures, converged=converged),
        comparison_row("RI-CLPM vs LCM-SR", MAIN, LCMSR, measures, BOUNDARY_NOTE, converged) if with_slopes else
        {"comparison": "RI-CLPM vs LCM-SR", "restricted": MAIN, "full": LCMSR,
         "note": f"not fitted: the LCM-SR needs at least {LCMSR_MIN_WAVES} waves, the model has {len(waves)}"},
    ]

    present = sorted(wide[group_column].astype(str).unique()) if group_column is not None else []
    groups = present if groups is None else [g for g in groups if g in present]
    if group_column is not None and len(groups) < 2:
        comparisons.append({"comparison": "multigroup: lags equal vs free across arms", "restricted": MG_EQUAL,
                            "full": MG_FREE, "note": "not fitted: it compares two or more arms (model.multigroup "
                            f"names {', '.join(groups) or 'none'})"})
    elif small := group_problems(wide, constructs, waves, group_column, groups, min_coverage):
        reasons = "; ".join(f"arm {group}: {reason}" for group, reason in small.items())
        comparisons.append({"comparison": "multigroup: lags equal vs free across arms", "restricted": MG_EQUAL,
                            "full": MG_FREE, "note": f"not estimable: {reasons}"})
    elif group_column is not None:
        try:
            in_groups = wide[wide[group_column].astype(str).isin(groups)]
            mg_rows, mg_fits, mg_comparison = _multigroup_models(in_groups, specs[MAIN], group_column, effects, log)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as error:
            # Small arms can make the per-arm models inestimable; the main analysis stands, and the table says so.
            comparisons.append({"comparison": "multigroup: lags equal vs free across arms", "restricted": MG_EQUAL,
                                "full": MG_FREE, "note": f"not estimable: {error}"})
        else:
            rows += mg_rows
            fits.update(mg_fits)
            specs[MG_EQUAL] = specs[MG_FREE] = specs[MAIN]
            comparisons.append(mg_comparison)
    if indicators is None:
        comparisons.append({"comparison": MI_COMPARISON, "restricted": MI_STRONG, "full": MI_WEAK,
                            "note": "not fitted: an instrument of this model states no item parcels"})
    else:
        mi_rows, mi_comparison = _indicator_models(parcels, indicators, waves, effects, fits, specs, log)
        rows += mi_rows
        comparisons.append(mi_comparison)
    return SensitivityResult(pd.DataFrame(comparisons), pd.DataFrame(rows), fits, specs, log)


def _indicator_models(parcels, indicators, waves, effects, fits, specs, log):
    """The multiple-indicator RI-CLPM under weak and under strong invariance, and the
    likelihood-ratio test of strong against weak. Without fit measures: they need the
    saturated model of every indicator, which a sample barely larger than the number
    of indicators does not identify."""
    rows = []
    try:
        for name, invariance in ((MI_WEAK, "weak"), (MI_STRONG, "strong")):
            t0 = time.perf_counter()
            specs[name] = build_mi_riclpm(indicators, waves, invariance=invariance)
            fits[name] = fit_mi_riclpm(parcels, specs[name])
            log.append(_log_entry(name, "", fits[name].diagnostics, t0))
    except (np.linalg.LinAlgError, ValueError, FloatingPointError) as error:
        # Few participants can make the model inestimable; the score models stand, and the table says so.
        return [], {"comparison": MI_COMPARISON, "restricted": MI_STRONG, "full": MI_WEAK,
                    "note": f"not estimable: {error}"}
    for name in (MI_WEAK, MI_STRONG):
        res = fits[name]
        rows.append(_model_row(name, "", res.fit, res.diagnostics, key_lagged(res, specs[name], effects),
                               f"time-invariant, {name.split(', ')[1]}"))
    measures = {name: fits[name].fit for name in (MI_WEAK, MI_STRONG)}
    converged = {name: bool(fits[name].diagnostics["converged"]) for name in (MI_WEAK, MI_STRONG)}
    return rows, comparison_row(MI_COMPARISON, MI_STRONG, MI_WEAK, measures, converged=converged)


def _multigroup_models(wide, spec, group_column, effects, log):
    """Lags free across arms (separate fits per arm) and equal across arms (joint fit)."""
    groups = sorted(wide[group_column].astype(str).unique())
    arm = wide[group_column].astype(str)
    per_group = {}
    for g in groups:
        t0 = time.perf_counter()
        res = fit_model(wide[arm == g], spec)
        per_group[g] = res
        log.append(_log_entry(MG_FREE, g, res.diagnostics, t0))
    free_fit = _summed_fit(per_group.values())

    t0 = time.perf_counter()
    # Starts from the per-arm optima, shared lags averaged.
    eq = fit_multigroup(wide, spec, group_column, equal=spec.lag_labels(),
                                   start=[per_group[g].params for g in groups])
    log.append(_log_entry(MG_EQUAL, "all", eq.diagnostics, t0))
    eq_lags = lagged_by_group(eq, spec).drop_duplicates("label").set_index(["outcome", "predictor"])
    lags = {}
    for o, p in effects:
        if (o, p) in eq_lags.index:
            lags[f"b_{o}_{p}"] = float(eq_lags.loc[(o, p), "est"])
            lags[f"b_{o}_{p}_se"] = float(eq_lags.loc[(o, p), "se"])

    free_diag = {
        "converged": all(r.diagnostics["converged"] for r in per_group.values()),
        "heywood": [{**h, "parameter": f"{h['parameter']} [{g}]"} for g, r in per_group.items()
                    for h in r.diagnostics["heywood"]],
    }
    rows = [
        _model_row(MG_EQUAL, "all", eq.fit, eq.diagnostics, lags, "time-invariant, equal across arms"),
        _model_row(MG_FREE, "all", free_fit, free_diag, {}, "per arm, rows below"),
    ]
    for g, r in per_group.items():
        rows.append(_model_row(MG_FREE, g, r.fit, r.diagnostics, key_lagged(r, spec, effects),
                               "time-invariant, this arm only"))
    comparison = comparison_row("multigroup: lags equal vs free across arms", MG_EQUAL, MG_FREE,
                                {MG_EQUAL: eq.fit, MG_FREE: free_fit},
                                converged={MG_EQUAL: bool(eq.diagnostics["converged"]),
                                           MG_FREE: free_diag["converged"]})
    return rows, {MG_EQUAL: eq, MG_FREE: per_group}, comparison


def _summed_fit(fits) -> dict:
    """Fit of independent groups: logliks, parameters, chi-squares and df add; BIC
    uses the total N."""
    fits = [r.fit for r in fits]
    ll, k, n = (sum(f[w] for f in fits) for w in ("loglik", "npar", "n"))
    chisq, df = sum(f["chisq"] for f in fits), sum(f["df"] for f in fits)
    return {"loglik": ll, "npar": k, "n": n, **information_criteria(ll, k, n),
            "chisq": chisq, "df": df, "pvalue": chi2_sf(chisq, df)}
