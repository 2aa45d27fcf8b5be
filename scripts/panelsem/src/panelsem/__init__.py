"""panelsem: panel structural equation models (RI-CLPM, CLPM, LCM-SR, multigroup) fitted
by fast full-information maximum likelihood, with lavaan's conventions.

    import panelsem
    spec = panelsem.build_riclpm({"A": "a_", "E": "e_"}, waves=[1, 2, 3, 4])
    result = panelsem.fit_model(data, spec)      # data: one row per person, columns a_1 ... e_4
    result.estimates, result.fit, result.diagnostics

Names are imported on first use (PEP 562): `import panelsem.io` alone then loads
neither the optimiser nor scipy, which keeps command-line start-up short and lets
code-change tracking see which modules a caller really uses.
"""

from importlib import import_module

_EXPORTS = {
    "panelsem.spec": ["Param", "ModelSpec", "build_riclpm", "parse_waves", "parse_construct", "LCMSR_MIN_WAVES"],
    "panelsem.fit": ["fit_model", "assemble", "improper_solution", "start_from"],
    "panelsem.results": ["FitResult", "lagged_effects", "summarise_lagged", "lagged_by_group", "ri_correlations",
                         "wald", "Z975"],
    "panelsem.refit": ["Refitter"],
    "panelsem.multigroup": ["fit_multigroup", "JointProblem"],
    "panelsem.problem": ["Problem", "FIMLProblem"],
    "panelsem.optimise": ["optimise", "Optimum", "GRAD_TOL"],
    "panelsem.fit_measures": ["fit_measures", "lr_test", "chibar_square_test", "chibar_weights",
                              "orthant_probability", "rmsea_ci", "srmr", "chi2_sf", "information_criteria"],
    "panelsem.robust": ["sandwich", "scaled_fit_measures"],
    "panelsem.fiml": ["Patterns", "Evaluation", "patterns_from_array", "minus2loglik", "saturated_em",
                      "independence_fit", "saturated_directions", "moment_jacobian"],
    "panelsem.lavaan": ["lavaan_status", "run_lavaan", "run_lavaan_multigroup", "bundled_data", "compare"],
    "panelsem.indicators": ["build_mi_riclpm", "fit_mi_riclpm", "IndicatorSpec"],
    "panelsem.information": ["expected_information", "sampling_covariance"],
    "panelsem.simulate": ["simulate_wide"],
    "panelsem.io": ["write_csv"],
    "panelsem.semopy_bridge": ["semopy_model"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'panelsem' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)


def __dir__():
    return __all__
