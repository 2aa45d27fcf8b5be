"""The study's design, read from the config: its processes and their instruments, the
models (one per combination of one instrument per process), the hypotheses as tests
in those models, and the words that say which way an effect goes.

Processes have short names in the model (the default trial's A alliance, E emotion
regulation, D depression); a lagged effect b_O_P is the effect of process P at week t-1
on process O at week t. Hypotheses are stated in the processes' own terms ("more
alliance -> less depression" is a positive sign: better with better); an instrument's
higher_is_better turns that into the sign expected on its score scale.

Everything here takes the config (or its sections) as plain data and returns plain
data, so that the rules can hand each script exactly what it uses.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from panelstudy.config import short_names

SIGN = {"positive": 1, "negative": -1}
INDIRECT = "indirect"
# The two analyses of synthetic data that are compared with the truth: the RI-CLPM of
# the scores, and the multiple-indicator RI-CLPM of the item parcels.
OBSERVED = "observed scores"
INDICATORS = "multiple indicators"


@dataclass(frozen=True)
class Process:
    name: str
    short: str
    label: str
    better: str
    worse: str
    instruments: tuple[str, ...]


def processes(config: dict) -> list[Process]:
    shorts = short_names(config["processes"])
    return [Process(p["name"], shorts[p["name"]], p["label"], p["better"], p["worse"], tuple(p["instruments"]))
            for p in config["processes"]]


def column_prefix(instrument: str) -> str:
    """Wide-panel columns of an instrument are <key>_<week>."""
    return f"{instrument}_"


def lag_label(outcome: str, predictor: str) -> str:
    """The parameter label of a lagged effect (short names), as panelsem names it."""
    return f"b_{outcome}_{predictor}"


def modelled_instruments(config: dict) -> list[str]:
    return [key for p in config["processes"] for key in p["instruments"]]


def auxiliary_instruments(config: dict) -> list[str]:
    """Instruments that no process names: validated, scored and described, not modelled."""
    modelled = set(modelled_instruments(config))
    return [key for key in config["instruments"] if key not in modelled]


def models(config: dict) -> list[dict]:
    """One model per combination of one instrument per process.

    id: the instruments of the processes that have several, joined by "__" (the first
    process's instrument when none has); label: their labels, for tables and prose;
    instruments: process name -> instrument; constructs: short name -> column prefix.
    """
    procs = processes(config)
    varying = [p for p in procs if len(p.instruments) > 1]
    out = []
    for combination in itertools.product(*(p.instruments for p in procs)):
        chosen = dict(zip((p.name for p in procs), combination))
        keys = [chosen[p.name] for p in varying] or [combination[0]]
        label = " / ".join(config["instruments"][chosen[p.name]]["label"] for p in varying) or config["study"]["name"]
        out.append({
            "id": "__".join(keys),
            "label": label,
            "instruments": chosen,
            "constructs": {p.short: column_prefix(chosen[p.name]) for p in procs},
        })
    return out


def primary_model(config: dict) -> dict:
    """The model with each process's first instrument: the one the synthetic population
    defines, drawn in the path diagram and refitted by the recovery study."""
    return models(config)[0]


def applies(hypothesis: dict, model: dict, config: dict) -> bool:
    """Whether a hypothesis is tested in a model: each process that the hypothesis's
    instruments measure is measured in the model by one of them."""
    listed = set(hypothesis.get("instruments", []))
    for process in config["processes"]:
        mine = listed & set(process["instruments"])
        if mine and model["instruments"][process["name"]] not in mine:
            return False
    return True


def tests(config: dict) -> list[dict]:
    """The claims family: every hypothesis in every model it is tested in.

    kind: "path" (parameters: [b_to_from]) or "indirect" (parameters: [b_M_X, b_Y_M]);
    sign: expected in the processes' terms (+1: better with better); score_sign: the
    sign expected of the estimate on the instruments' score scales; expected: the
    hypothesis in words ("more alliance → less depression").
    """
    procs = {p.name: p for p in processes(config)}
    short = {name: p.short for name, p in procs.items()}
    hib = {key: inst["higher_is_better"] for key, inst in config["instruments"].items()}
    hyp = config["hypotheses"]
    entries = [("path", h, [h["from"], h["to"]]) for h in hyp["paths"]]
    entries += [(INDIRECT, h, list(h["path"])) for h in hyp.get("indirect", [])]
    out = []
    for kind, h, path in entries:
        steps = list(zip(path[:-1], path[1:]))
        for model in models(config):
            if not applies(h, model, config):
                continue
            ends = [model["instruments"][path[0]], model["instruments"][path[-1]]]
            orientation = (1 if hib[ends[0]] else -1) * (1 if hib[ends[1]] else -1)
            out.append({
                "label": h["label"],
                "kind": kind,
                "model": model["id"],
                "model_label": model["label"],
                "processes": path,
                "parameters": [lag_label(short[to], short[frm]) for frm, to in steps],
                "sign": SIGN[h["sign"]],
                "score_sign": SIGN[h["sign"]] * orientation,
                "expected": f"{procs[path[0]].better} → "
                            + (procs[path[-1]].better if SIGN[h["sign"]] > 0 else procs[path[-1]].worse),
            })
    return out


def chains(config: dict) -> list[dict]:
    """The declared indirect effects, estimated in every model (tested where the
    hypotheses say): label, processes [X, M, Y], the two lag labels, and the words."""
    short = {p.name: p.short for p in processes(config)}
    procs = {p.name: p for p in processes(config)}
    return [{"label": h["label"], "processes": list(h["path"]),
             "parameters": [lag_label(short[to], short[frm]) for frm, to in zip(h["path"][:-1], h["path"][1:])],
             "words": " → ".join(procs[name].label.lower() if i else procs[name].label
                                 for i, name in enumerate(h["path"]))}
            for h in config["hypotheses"].get("indirect", [])]


def effects(config: dict) -> list[tuple[str, str]]:
    """(outcome, predictor) short names of every hypothesised lagged effect, those of the
    indirect effects included, in the order the hypotheses give them."""
    short = {p.name: p.short for p in processes(config)}
    found = [(short[h["to"]], short[h["from"]]) for h in config["hypotheses"]["paths"]]
    for chain in config["hypotheses"].get("indirect", []):
        found += [(short[to], short[frm]) for frm, to in zip(chain["path"][:-1], chain["path"][1:])]
    return list(dict.fromkeys(found))


def directions(config: dict, model: dict) -> dict[str, list[str]]:
    """Every lagged effect of a model: its direction in words if its estimate is
    positive, and if it is negative (on the score scale)."""
    procs = processes(config)
    return {lag_label(to.short, frm.short): [direction(config, frm.name, to.name, model, +1),
                                             direction(config, frm.name, to.name, model, -1)]
            for to in procs for frm in procs}


def direction(config: dict, frm: str, to: str, model: dict, score_sign: float) -> str:
    """An effect's direction in the processes' words, from the sign of its estimate on
    the score scale: e.g. "more alliance → less depression"."""
    procs = {p.name: p for p in processes(config)}
    hib = {key: inst["higher_is_better"] for key, inst in config["instruments"].items()}
    better = score_sign * (1 if hib[model["instruments"][frm]] else -1) * (1 if hib[model["instruments"][to]] else -1)
    return f"{procs[frm].better} → {procs[to].better if better > 0 else procs[to].worse}"


def arm_names(config: dict) -> list[str]:
    return [arm["name"] for arm in config["data"]["arms"]]
