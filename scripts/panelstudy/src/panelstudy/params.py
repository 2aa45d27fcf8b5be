"""What each rule reads of the config: the params the workflow's rules hand their
scripts (workflow/rules/*.smk). A script reads nothing else, so Snakemake's params
trigger reruns exactly the rules that a config change reaches; the test of every
config leaf (tests/workflow/test_workflow.py) holds this module to that.
"""

from __future__ import annotations

from panelstudy import design
from panelstudy.data_contract import contract
from panelstudy.scoring import SCORING_KEYS, scoring

__all__ = ["contract", "scoring", "premodel", "simulation", "recovery", "pseudo_true", "recovery_settings",
           "parcelling", "power"]

# What the synthetic trial's item generator reads of an instrument.
SIMULATION_KEYS = ("items", "item_min", "item_max", "reverse", "score", "domains", "weeks", "rater", "arms")
# What the analysis of a synthetic trial reads too: the scoring rules, and the parcels
# of the multiple-indicator model.
ANALYSIS_KEYS = tuple(dict.fromkeys((*SCORING_KEYS, *SIMULATION_KEYS)))
STUDIES = ("main", "check")


def pick(mapping: dict, keys) -> dict:
    return {key: mapping[key] for key in keys if key in mapping}


def parcelling(config: dict) -> dict:
    """The instruments with item parcels, as the parcels rule scores them."""
    return {key: pick(inst, (*SCORING_KEYS, "parcels")) for key, inst in config["instruments"].items()
            if "parcels" in inst}


def simulation(config: dict, instrument_keys=SIMULATION_KEYS) -> dict:
    """Everything the synthetic trial is drawn from."""
    return {
        "data": {"columns": config["data"]["columns"], "arms": design.arm_names(config),
                 "ignore_columns": config["data"]["ignore_columns"]},
        "instruments": {key: pick(inst, instrument_keys) for key, inst in config["instruments"].items()},
        "processes": [{"name": p["name"], "instruments": p["instruments"]} for p in config["processes"]],
        "model": {"waves": config["model"]["waves"]},
        "synthetic": config["synthetic"],
    }


def premodel(config: dict) -> dict:
    """What the checks before any model read (panelstudy.premodel): scoring, the
    instruments of each model as sets (which process an instrument measures does not
    matter to them), the model's waves and arms, and the coverage floor."""
    models = sorted({tuple(sorted(m["instruments"].values())) for m in design.models(config)})
    return {
        "instruments": scoring(config),
        "models": [list(m) for m in models],
        "waves": list(config["model"]["waves"]),
        "arms": list(config["model"]["arms"]),
        "min_coverage": config["model"]["min_coverage"],
    }


def recovery_settings(config: dict, study: str = "main") -> dict:
    """Replications, bootstrap resamples and multiple-indicator replications of a
    recovery study: "main" (the supplement's) or "check" (`make recovery-check`)."""
    if study not in STUDIES:
        raise ValueError(f"study must be one of {STUDIES}, not {study!r}")
    rec = config["recovery"]
    sizes = rec if study == "main" else rec["check"]
    return {"replications": sizes["replications"], "bootstrap": rec["bootstrap"],
            "indicator_replications": sizes["indicator_replications"]}


def recovery(config: dict, study: str = "main") -> dict:
    """The synthetic trial, and how each replication of a recovery study analyses it:
    scored like the main data and fitted with each process's first instrument (and,
    in its first indicator_replications, by the multiple-indicator model too)."""
    settings = recovery_settings(config, study)
    keys = ANALYSIS_KEYS + (("parcels",) if settings["indicator_replications"] else ())
    return {
        "seed": config["seed"],
        **simulation(config, keys),
        "model": {"waves": config["model"]["waves"], "arms": config["model"]["arms"]},
        "shorts": [p.short for p in design.processes(config)],
        "constructs": design.primary_model(config)["constructs"],
        "chains": [{"parameters": c["parameters"]} for c in design.chains(config)],
        "recovery": settings,
        "monte_carlo": config["monte_carlo"],
        "se": config["model"]["se"],
    }


def pseudo_true(config: dict) -> dict:
    """The synthetic trial and its analysis, for the pseudo-true values of every model
    (panelstudy.pseudotrue): the design of recovery(), with the parcels and every
    model's constructs."""
    return {
        **simulation(config, ANALYSIS_KEYS + ("parcels",)),
        "model": {"waves": config["model"]["waves"], "arms": config["model"]["arms"]},
        "shorts": [p.short for p in design.processes(config)],
        "constructs": design.primary_model(config)["constructs"],
        "models": {m["id"]: m["constructs"] for m in design.models(config)},
        "chains": [{"parameters": c["parameters"]} for c in design.chains(config)],
    }


def power(config: dict) -> dict:
    """The planned trial of the power analysis (config `power`), and how each replication
    analyses it: the synthetic population with the planned effects, attrition, waves and
    arms (those that enter the models), measured with each process's first instrument at
    every planned wave, scored like the main data and fitted with the primary model.
    `effects`: the hypotheses tested in the primary model, one per parameter, with the
    sign expected on the score scale."""
    planned = config["power"]
    first = config["model"]["waves"][0]
    waves = list(range(first, first + planned["waves"]))
    keys = [p["instruments"][0] for p in config["processes"]]
    instrument_keys = [k for k in dict.fromkeys((*SCORING_KEYS, *SIMULATION_KEYS)) if k != "arms"]
    instruments = {}
    for key in keys:
        inst = pick(config["instruments"][key], instrument_keys)
        # Weeks before the first wave stay: the driver's baseline, which dropout depends on.
        inst["weeks"] = [w for w in inst["weeks"] if w < first] + waves
        instruments[key] = inst
    synthetic = {**config["synthetic"], **planned["population"],
                 "missingness": {**config["synthetic"]["missingness"], **planned["attrition"]}}
    primary = design.primary_model(config)
    effects = {}
    for test in design.tests(config):
        if test["model"] == primary["id"]:
            name = "*".join(test["parameters"])
            effects.setdefault(name, {"name": name, "label": test["label"], "kind": test["kind"],
                                      "parameters": test["parameters"], "score_sign": test["score_sign"]})
    return {
        "seed": config["seed"],
        "data": {"columns": config["data"]["columns"], "arms": list(config["model"]["arms"]), "ignore_columns": []},
        "instruments": instruments,
        "processes": [{"name": p["name"], "instruments": p["instruments"][:1]} for p in config["processes"]],
        "model": {"waves": waves, "arms": list(config["model"]["arms"])},
        "synthetic": synthetic,
        "constructs": primary["constructs"],
        "effects": list(effects.values()),
        "sizes": sorted(planned["n_per_arm"]),
        "replications": planned["replications"],
        "alpha": planned["alpha"],
        "simulate": planned["simulate"],
        "se": config["model"]["se"],
        "pseudo_true": planned["pseudo_true"],
        "draws": config["monte_carlo"]["draws"],
    }
