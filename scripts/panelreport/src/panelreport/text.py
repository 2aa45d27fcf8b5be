"""The manuscript's generated prose: the method, the results' running text and the
figure blocks, written from the config. Numbers and result-dependent wording are never
typed here: they are {{< var >}} shortcodes into the variables file
(panelreport.variables), so `make verify` checks them.

Each function takes `study`, the design as the manuscript_text rule hands it over:
study (the config's section), arms, instruments (key -> label, name, citation, rater,
items, range, score, higher_is_better, arms), processes (name, short, label, better,
worse, instruments), models, tests, waves, correction, alpha, data source, whether the
individual trajectories are drawn, and the multigroup arms.
"""

from __future__ import annotations


def var(key: str) -> str:
    return "{{< var " + key + " >}}"


def cite(key: str | None) -> str:
    return f" [@{key}]" if key else ""


def listing(words: list[str], last: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def processes_phrase(study: dict) -> str:
    """"alliance (two instruments), emotion regulation and depression"."""
    parts = []
    for p in study["processes"]:
        raters = [study["instruments"][k]["label"] for k in p["instruments"]]
        extra = f" ({listing(raters)})" if len(raters) > 1 else ""
        parts.append(lower_first(p["label"]) + extra)
    return listing(parts)


def scoring_phrase(inst: dict) -> str:
    items = len(inst["items"])
    if inst["score"] == "domains":
        k = len(inst["domains"])
        return (f"whose {items} items are collapsed into {k} domains (each the highest of its items) and summed "
                f"to a total between {k * inst['item_min']} and {k * inst['item_max']}; the total was prorated when "
                f"at least {inst['min_domains']} of its {k} domains were available")
    low, high = inst["item_min"], inst["item_max"]
    if inst["score"] == "sum":
        return (f"scored as the sum of its {items} items ({low}-{high} each, a total between {items * low} and "
                f"{items * high}), prorated when at least {inst['min_items']} items were answered")
    return (f"scored as the mean of its {items} items ({low}-{high}), when at least {inst['min_items']} were "
            "answered")


def method(study: dict) -> str:
    s, instruments = study["study"], study["instruments"]
    cites = "".join(f"@{c}; " for c in s.get("citations", [])).rstrip("; ")
    design_cites = f" [{cites}]" if cites else ""
    given = []
    for key, inst in instruments.items():
        if "arms" in inst:
            given.append(f"{inst['label']} was given in {listing(inst['arms'])} only")
    lines = [
        "## Design and data",
        "",
        f"The data come from {s['name']}{design_cites}: {var('sample.n')} {s['participants']} were {s['design']}: "
        f"{var('sample.arms')}. They reported every week for {var('sample.weeks')} weeks of the model. "
        f"{var('sample.modelled')} {var('data.source')} Each input file was checked against a written data "
        "contract before analysis; @tbl-data_quality accounts for every row read and every score that could not be "
        "computed." + (" " + "; ".join(given) + ": elsewhere its scores are not applicable, not missing." if given
                       else "") + f" {var('privacy.note')}",
        "",
        "## Measures",
        "",
    ]
    for p in study["processes"]:
        for key in p["instruments"]:
            inst = instruments[key]
            direction = "higher scores mean " + (p["better"] if inst["higher_is_better"] else p["worse"])
            lines += [f"*{p['label']}*: the {inst['name']}{cite(inst.get('citation'))}, "
                      f"rated by the {inst['rater']}, {scoring_phrase(inst)}; {direction}.", ""]
    for key in study["auxiliary"]:
        inst = instruments[key]
        lines += [f"*{inst['label']}* (not modelled, described only): the {inst['name']}"
                  f"{cite(inst.get('citation'))}, rated by the {inst['rater']}, {scoring_phrase(inst)}.", ""]
    lines += ["A score with too few items answered was left missing and listed as an exclusion. Internal "
              "consistency is shown in @tbl-reliability and @fig-reliability.", ""]
    shorts = listing([f"{lower_first(p['label'])} ({p['short']})" for p in study["processes"]])
    several = [p for p in study["processes"] if len(p["instruments"]) > 1]
    per_model = ("The model was fitted once for each combination of one instrument per process: "
                 + listing([f"once with {lower_first(m['label'])}" for m in study["models"]]) + "."
                 if several else "")
    correction = ("" if study["correction"] == "none" else
                  f" The hypotheses form one family; their p-values are {study['correction'].capitalize()}-adjusted "
                  "over every test of every hypothesis in every model.")
    lines += [
        "## Statistical analysis",
        "",
        "Each weekly score was decomposed into a wave-specific grand mean, a stable person-specific random "
        "intercept, and a within-person deviation. The within-person deviations of "
        f"{shorts} followed a first-order vector autoregression in which each process in week *t* was regressed on "
        "all processes in week *t* − 1, with the lagged effects held equal across weeks and the residuals "
        "(innovations) allowed to correlate within each week [@hamaker2015; @mulder2021]. The random intercepts "
        "correlated with each other but not with the first week's within-person deviations, and all "
        "measurement-error variances were fixed at zero. The model was estimated by full-information maximum "
        "likelihood [@enders2001], which uses every observed score under the assumption that data are missing at "
        f"random. {var('fit.se')} {per_model + ' ' if per_model else ''}Hypotheses about paths between weeks were tested with Wald tests of the lagged "
        "effects; indirect effects X(*t*) → M(*t* + 1) → Y(*t* + 2), products of two lagged effects, with a "
        "participant bootstrap and a Monte Carlo interval [@preacher2012]. A hypothesis is stated in the processes' "
        "own terms (for example, "
        f"\"{study['tests'][0]['expected']}\"), which each instrument's direction turns into a sign on its "
        f"score scale.{correction} Estimation used a vectorised likelihood written for this workflow and "
        "cross-checked against lavaan [@rosseel2012] and semopy [@igolkina2020]; the pipeline is a Snakemake "
        "workflow [@molder2021].",
        "",
    ]
    return "\n".join(lines)


def results_sample(study: dict) -> str:
    return (
        "@tbl-sample describes the sample, @fig-trajectories shows the average course of each process in each arm"
        + (", and @fig-individual shows how individual participants moved around their own level from week to "
           "week" if study["individual"] else "")
        + f". By the last week of the model, {var('sample.missing_last')} of the "
        f"{lower_first(study['outcome_label'])} scores were missing (@fig-retention). Mean scores by arm and week are "
        f"given in @tbl-descriptives. Between-person differences accounted for {var('icc.range')} of the variance of "
        "the weekly scores around the week means (@tbl-icc), so that a large share of each score reflects who the "
        "person is rather than how their week went, which is the part the random intercepts take out of the "
        "cross-lagged effects.\n"
    )


def results_dynamics(study: dict) -> str:
    procs = {p["name"]: p for p in study["processes"]}
    paragraphs = ["@tbl-lagged_effects lists the within-person lagged effects on each instrument's score scale, "
                  "with their direction in words; @fig-paths draws them for the first model and @fig-forest sets the "
                  "models side by side."]
    for model in study["models"]:
        sentences = []
        for test in study["tests"]:
            if test["model"] != model["id"] or test["kind"] != "path":
                continue
            frm, to = (procs[name] for name in test["processes"])
            # Said on the score scale: "higher emotion regulation" is wrong for a
            # higher-is-worse scale; the direction in words follows in brackets.
            scales = [study["instruments"][model["instruments"][p["name"]]]["label"] for p in (frm, to)]
            label = test["parameters"][0]
            key = f"models.{model['id']}"
            sentences.append(f"a score one point above the person's usual level on {scales[0]} was followed the next "
                             f"week by a change of {var(f'{key}.lagged.{label}')} on {scales[1]} "
                             f"({var(f'{key}.direction.{label}')})")
        if sentences and len(study["models"]) > 1:
            paragraphs.append(f"With {lower_first(model['label'])}, " + "; ".join(sentences) + ".")
        elif sentences:
            paragraphs.append("; ".join(sentences).capitalize()[:1] + "; ".join(sentences)[1:] + ".")
    fits = [(f"with {lower_first(m['label'])}, " if len(study["models"]) > 1 else "") + var(f"models.{m['id']}.fit")
            for m in study["models"]]
    paragraphs.append(f"Model fit and convergence are summarised in @tbl-model_fit ({'; '.join(fits)}). "
                      f"{var('fit.convergence')}")
    return "\n\n".join(paragraphs) + "\n"


def results_hypotheses(study: dict) -> str:
    chains = [t for t in study["tests"] if t["kind"] == "indirect"]
    text = []
    if chains:
        several = len(study["models"]) > 1
        sentences = [(f"With {lower_first(t['model_label'])}, the" if several else "The")
                     + f" indirect effect for \u201c{lower_first(t['label'])}\u201d was "
                     f"{var('models.' + t['model'] + '.indirect.' + '__'.join(t['parameters']))}." for t in chains]
        text.append(" ".join(sentences) + " (@tbl-indirect, @fig-bootstrap.) The sampling distribution of an indirect "
                    "effect is a product of two estimates and is skewed, so both intervals are "
                    "percentile intervals rather than estimate ± 1.96 SE: one from participants resampled with "
                    "replacement and the model refitted, one from draws of the two paths from their estimated "
                    "sampling distribution [@preacher2012].")
    text.append(f"{var('hypotheses.summary')} @tbl-claims lists each hypothesis in each model with its verdict.")
    text.append(f"The supplement asks how well this analysis recovers known effects, over {var('recovery.replications')} "
                f"synthetic trials drawn from the configured population. {var('recovery.indirect')}")
    return "\n\n".join(text) + "\n"


def results_sensitivity(study: dict) -> str:
    arms = study["multigroup"]
    multigroup = (f"and fitting the {listing(arms)} arms jointly, with the lagged effects first held equal and then "
                  "freed across arms, tests whether the dynamics differ by arm" if len(arms) >= 2 else
                  "(the multigroup model by arm is not fitted: model.multigroup names fewer than two arms)")
    parcels = study["parcels"]
    counts = sorted(set(parcels.values()))
    indicators = (
        " A multiple-indicator RI-CLPM [@mulder2021, extension 3] models the measurement error that the score model "
        "absorbs into its within-person parts: each instrument's items are split into "
        f"{listing([str(c) for c in counts], 'or')} parcels, each wave's parcels measure a within-person factor with "
        "loadings equal over time (weak invariance), each parcel has its own random intercept and residual "
        "variance, and the dynamics are those of the RI-CLPM on the factors; holding the parcels' intercepts equal "
        "over time too (strong invariance) is tested against it." if parcels else "")
    paragraphs = [
        "Alternatives test choices the main model makes (@tbl-sensitivity). Dropping the random intercepts gives "
        "the classic cross-lagged panel model, which mixes stable between-person differences into the lagged "
        "effects; letting the lagged effects differ from week to week tests the assumption that they are "
        "constant; adding person-specific linear trends (a latent curve model with structured residuals) asks "
        "whether the within-person effects are artefacts of individual slopes; "
        f"{multigroup}.{indicators} Where a restriction sets variances to zero the likelihood-ratio test is on the "
        "boundary of the parameter space and its naive p-value is conservative. @tbl-sensitivity_effects shows "
        "whether the hypothesised effects change.",
        f"{var('truth.observed')} {var('truth.indicators')} On the data analysed here, "
        + "; ".join(f"with {lower_first(m['label'])}, " + var("models." + m["id"] + ".indicators")
                    for m in study["models"])
        + ". The supplement sets these values beside the recovery study's estimates.",
    ]
    return "\n\n".join(paragraphs) + "\n"


FIGURES = {
    "trajectories": "Mean scores by week and treatment arm, with 95% confidence intervals.",
    "individual": "Weekly scores of twelve randomly chosen participants: the week-to-week movement around each "
                  "person's own level is what the within-person model analyses.",
    "retention": "Share of participants with a score, by week and instrument, of those given the instrument.",
    "reliability": "Cronbach's alpha and McDonald's omega by week.",
    "paths": "The within-person model for two adjacent weeks with its unstandardised estimates, for the first model. "
             "Solid arrows: 95% interval excludes zero; dashed: it does not.",
    "forest": "Cross-lagged effects on a standardised scale with 95% intervals, in every model.",
    "bootstrap": "Bootstrap distribution of each indirect effect, with the bootstrap (dashed) and Monte Carlo "
                 "(dotted) 95% intervals.",
}


def figure_block(name: str) -> str:
    return f"![{FIGURES[name]}](_generated/figures/{name}.png){{#fig-{name}}}\n"


def introduction(study: dict) -> str:
    """The default introduction when the study supplies none: the questions, from the hypotheses."""
    procs = {p["name"]: p for p in study["processes"]}
    questions = [f"does {procs[t['processes'][0]]['better']} in one week go with "
                 f"{t['expected'].split(' → ')[1]} the next?" for t in study["tests"] if t["kind"] == "path"]
    unique = list(dict.fromkeys(questions))
    return (f"This document analyses the weekly measurements of {study['study']['name']} with a random-intercept "
            "cross-lagged panel model, which separates stable differences between people from fluctuations "
            "within people [@hamaker2015]. It asks, of each participant's own week-to-week changes: "
            + " ".join(q[0].upper() + q[1:] for q in unique)
            + " Every number below is read from a file that the workflow wrote; nothing is typed by hand.\n")


def discussion(study: dict) -> str:
    """The default discussion when the study supplies none."""
    return ("The workflow derives the analysis from raw items to model estimates. Whether the estimates support "
            "the hypotheses depends on the data it is given; on a synthetic twin they describe the population that "
            "generated the data, not the trial's participants. The value of the exercise lies in what a reader can "
            "check: which weeks and items entered each score, which scores were missing and why, and that the "
            "likelihood maximised here is the one that lavaan maximises.\n")
