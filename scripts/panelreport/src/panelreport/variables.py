"""The variables file read by the manuscript's {{< var >}} shortcodes.

Every number in the prose comes from here, formatted once, so the text and the tables
cannot disagree; so does every sentence whose wording depends on the results (which
way an effect went, which models converged). The prose around them is generated from
the config (panelreport.text).
"""

import pandas as pd
import yaml

from panelreport.markdown import format_p
from panelreport.tables import Privacy, heywood_text
from panelreport.text import listing, lower_first


def effect_text(row: pd.Series) -> str:
    p = format_p(row["p"])
    return (f"b = {row['est']:.3f}, 95% CI [{row['ci_lower']:.3f}, {row['ci_upper']:.3f}], "
            f"p {p if p.startswith('<') else '= ' + p}")


def fit_text(fit: dict) -> str:
    return (f"χ²({int(fit['df'])}) = {fit['chisq']:.2f}, CFI = {fit['cfi']:.3f}, TLI = {fit['tli']:.3f}, "
            f"RMSEA = {fit['rmsea']:.3f} [{fit['rmsea_ci_lower']:.3f}, {fit['rmsea_ci_upper']:.3f}], "
            f"SRMR = {fit['srmr']:.3f}")


def short_commit(commit: str) -> str:
    return commit[:12] if all(c in "0123456789abcdef" for c in commit) else commit


def convergence_text(diagnostics: dict[str, dict], labels: dict[str, str]) -> str:
    """One sentence on convergence and Heywood cases; problems are named, never hidden."""
    failed = [labels[m] for m, d in diagnostics.items() if not d["converged"]]
    heywood = {labels[m]: d["heywood"] for m, d in diagnostics.items() if d["heywood"]}
    every = "The model" if len(diagnostics) == 1 else f"All {len(diagnostics)} models"
    if len(diagnostics) == 2:
        every = "Both models"
    parts = [f"{every} converged (largest absolute gradient "
             f"{max(d['grad_norm'] for d in diagnostics.values()):.1e})." if not failed else
             f"WARNING: the model with {' and '.join(failed)} did not converge; its estimates are not "
             "reported, and its hypotheses are not tested."]
    parts.append("No variance was estimated at zero (no Heywood case)." if not heywood else
                 "Heywood cases: " + "; ".join(f"{m}: {heywood_text(h)}" for m, h in heywood.items()) + ".")
    return " ".join(parts)


def se_text(diagnostics: dict[str, dict]) -> str:
    """Which standard errors the main fits have (model.se), and where the other kind is."""
    kinds = {d["se"] for d in diagnostics.values()}
    if kinds == {"standard"}:
        return ("Standard errors came from the observed information matrix; robust (sandwich) standard errors, "
                "which do not assume normal scores, are a sensitivity analysis.")
    if kinds == {"robust"}:
        return ("Standard errors and the chi-square test of fit are robust to non-normal scores (the sandwich "
                "estimator and scaled statistic of maximum likelihood with robust corrections, MLR); standard errors "
                "from the observed information are a sensitivity analysis.")
    raise ValueError(f"the models' standard errors differ or are missing: {sorted(kinds)}")


def indirect_text(row: pd.Series) -> str:
    return (f"{row['estimate']:.3f} (bootstrap 95% CI [{row['boot_lower']:.3f}, {row['boot_upper']:.3f}], "
            f"{int(row['boot_replicates'])} replicates; Monte Carlo 95% CI [{row['mc_lower']:.3f}, {row['mc_upper']:.3f}])")


def claims_text(claims: pd.DataFrame, correction: str) -> str:
    """How the hypotheses fared, counted over the family of tests."""
    first = claims["Verdict"].str.split(" ").str[0]
    counts = {"supported": int((first == "supported").sum()), "not supported": int((first == "not").sum()),
              "contradicted": int((first == "contradicted").sum()),
              "not estimable": int(claims["Verdict"].str.startswith("not estimable").sum())}
    counts["not supported"] -= counts["not estimable"]
    parts = [f"{n} {verdict}" for verdict, n in counts.items() if n]
    tests = "test" if len(claims) == 1 else "tests"
    adjusted = "" if correction == "none" else f" (p-values {correction.capitalize()}-adjusted over all of them)"
    text = f"Of the {len(claims)} {tests} of the hypotheses{adjusted}, {', '.join(parts)}."
    if "CI covers latent" in claims:
        latent = claims[claims["CI covers latent"].isin(["yes", "NO"])]
        pseudo = claims[claims["CI covers pseudo-true"].isin(["yes", "NO"])]
        text += (f" On the synthetic data, {int((latent['CI covers latent'] == 'yes').sum())} of {len(latent)} "
                 "intervals with a known latent (population) value cover it, and "
                 f"{int((pseudo['CI covers pseudo-true'] == 'yes').sum())} of {len(pseudo)} cover the pseudo-true "
                 "value, the one the analysis converges to: the scores carry measurement error, which pulls "
                 "within-person effects towards zero, so an interval can miss the latent value because of that "
                 "error, and the pseudo-true value only by chance or by a fault of the estimator.")
    return text


def arms_text(sample: pd.DataFrame) -> str:
    """"Treatment A (A, n = 136) or treatment B (B, n = 136)"."""
    parts = [f"{lower_first(row['Treatment'])} ({row['Arm']}, *n* = {row['Randomised']})"
             for _, row in sample.iterrows()]
    return listing(parts, "or")


def build_variables(study: dict, sample: pd.DataFrame, retention: pd.DataFrame, icc: pd.DataFrame,
                    models: dict[str, dict], claims: pd.DataFrame, provenance: dict) -> dict:
    """study: the config's study section with seed, data (source, raw_dir), waves,
    modelled instruments, outcome instrument, processes (short -> label), privacy and
    the correction; models: model id -> {label, lagged, fit, diagnostics, indirect,
    directions} (see the variables rule)."""
    privacy = Privacy.of(study["privacy"], study["data"]["source"])
    waves = study["waves"]
    outcome = retention[(retention["instrument"] == study["outcome_instrument"]) & (retention["week"] == max(waves))]
    icc_within = icc.loc[(icc["mean_model"] == "week means") & icc["instrument"].isin(study["modelled"]), "icc"]
    synthetic = study["data"]["source"] == "synthetic"
    diagnostics = {model: m["diagnostics"] for model, m in models.items()}
    n = int(sample["Randomised"].apply(lambda v: v if isinstance(v, int) else 0).sum())
    entering = sample[sample["In the models"] == "yes"]
    out_models = {}
    for model, m in models.items():
        converged = bool(m["diagnostics"]["converged"])
        lagged = m["lagged"].set_index("label")
        withheld = "not estimated (the model did not converge)"
        out_models[model] = {
            "label": m["label"],
            "fit": fit_text(m["fit"]) if converged else withheld,
            "lagged": {label: effect_text(row) if converged else withheld for label, row in lagged.iterrows()},
            "direction": {label: m["directions"][label][0 if row["est"] >= 0 else 1] if converged else withheld
                          for label, row in lagged.iterrows()},
            "indirect": {row["chain"].replace("*", "__"): indirect_text(row) if converged else withheld
                         for _, row in m["indirect"].iterrows()},
        }
    return {
        "study": {key: study[key] for key in ("name", "title", "subtitle", "authors", "participants", "design")
                  if key in study},
        "text": {"processes": study["processes"]},
        "sample": {
            "n": n,
            "arms": arms_text(sample),
            "modelled": ("Every arm entered the models." if len(entering) == len(sample) else
                         f"The models use the {listing(list(entering['Arm']))} arm{'s' if len(entering) > 1 else ''} "
                         f"(*n* = {int(entering['Randomised'].apply(lambda v: v if isinstance(v, int) else 0).sum())})."),
            "weeks": len(waves),
            "missing_last": f"{float(outcome['pct_missing'].iloc[0]):.1f}%",
        },
        "icc": {"range": f"{100 * icc_within.min():.0f}% to {100 * icc_within.max():.0f}%"},
        "models": out_models,
        "hypotheses": {"summary": claims_text(claims, study["correction"])},
        "fit": {"convergence": convergence_text(diagnostics, {m: v["label"] for m, v in models.items()}),
                "se": se_text(diagnostics)},
        "data": {
            "source": (f"The data analysed here are synthetic: a trial of this design generated by the workflow "
                       f"(seed {study['seed']}) from a known population model." if synthetic else
                       f"The data were read from the trial files in `{study['data']['raw_dir']}`."),
            "summary": (f"On this synthetic twin the results describe the generating population, "
                        f"not the {study['name']} participants." if synthetic else ""),
        },
        "privacy": {"note": "" if privacy.min_cell == 1 else
                    f"Counts and statistics that rest on fewer than {privacy.min_cell} participants are shown as "
                    f"\"< {privacy.min_cell}\"."},
        "provenance": {
            "commit": short_commit(provenance["git"]["commit"]),
            "config": provenance["config_sha256"][:12],
        },
    }


def banner_markdown(study: dict) -> str:
    """A warning callout on synthetic data; nothing on real data."""
    if study["data"]["source"] != "synthetic":
        return "\n"
    return ("::: {.callout-warning}\n## Synthetic data\n\nEvery number in this document was computed from a "
            f"synthetic trial generated by the workflow (seed {study['seed']}), not from the {study['name']} trial "
            "data. Set `data.source: raw` and place the trial files in `data/raw/` to analyse real data.\n:::\n")


def write_yaml(variables: dict, path) -> None:
    with open(path, "w") as handle:
        yaml.safe_dump(variables, handle, sort_keys=False, allow_unicode=True, width=1000)
