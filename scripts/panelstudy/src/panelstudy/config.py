"""Checks on the config that JSON Schema cannot express (cross-references, matrices),
and the message for a config written for an earlier schema.

The schema (workflow/schemas/config.schema.yaml) checks keys, types and ranges first;
these checks run after it and before any rule, and report every problem at once.
"""

from pathlib import Path

import jsonschema
import numpy as np
import yaml

from panelstudy.parcels import parcel_problems

SCHEMA_VERSION = 2

# What a config of schema 1 (before schema_version existed) must change.
MIGRATION_1_TO_2 = [
    "add `schema_version: 2` at the top",
    "add a `study` section (name, title, participants, design, outcome; optionally subtitle, "
    "citations, introduction, discussion, bibliography)",
    "replace model.alliance, model.regulation and model.depression by a `processes` list "
    "(name, short, label, better, worse, instruments), in model order",
    "add `hypotheses` (correction, alpha, paths, indirect); they used to be fixed in code",
    "add model.arms and model.multigroup (the arms that enter the models and the multigroup comparison)",
    "instruments: drop `construct` (the processes name their instruments); add `name` and "
    "`higher_is_better`",
    "data.arms: a list of {name, label} instead of names",
    "synthetic: therapist_alliance_correlation and therapist_intercept_correlation become "
    "other_instruments.within_correlation and .intercept_correlation; baseline_depression becomes "
    "missingness.baseline, missingness.depression_slope becomes missingness.slope, and "
    "missingness.driver names the process that drives dropout",
    "bootstrap.chunks is gone: give `--set-scatter bootstrap=N` on the command line instead",
    "add a `privacy` section (min_cell, allow_small_cells, individual_trajectories)",
]


# Keys that schema 2 no longer has, and what replaces them.
RETIRED = {
    ("bootstrap", "chunks"): "bootstrap.chunks: removed; the bootstrap is split into jobs by Snakemake's "
                             "scattergather: give `--set-scatter bootstrap=N` on the command line",
}


# Keys that schema 2 gained after its first release, and what a config without them adds.
ADDED = {
    ("power",): "power: missing; planning a replication (`make power`) reads it: copy the `power` section "
                "of config/template.yaml (config/README.md, 'Planning a replication')",
    ("verification", "documents"): "verification.documents: missing; `[paper]` checks the paper's numbers as "
                                   "before (config/README.md, 'Planning a replication')",
    ("power", "pseudo_true"): "power.pseudo_true: missing; the large trial of the planned design whose fit gives "
                              "the power analysis its pseudo-true values: `{n_per_arm: 100000, batches: 10}` as in "
                              "config/template.yaml",
    ("pseudo_true",): "pseudo_true: missing; the pseudo-true values of the recovery study and the claims read it: "
                      "copy the `pseudo_true` section of config/template.yaml",
    ("recovery", "indicator_replications"): "recovery.indicator_replications: missing; how many replications also "
                                            "fit the multiple-indicator model (0: none; template.yaml has one)",
    ("recovery", "check"): "recovery.check: missing; the study of `make recovery-check`: copy `recovery.check` "
                           "of config/template.yaml",
}


def added_problems(config: dict) -> list[str]:
    problems = []
    for path, message in ADDED.items():
        section = config
        for key in path[:-1]:
            # A missing parent has its own message.
            section = section.get(key) if isinstance(section, dict) else None
        if isinstance(section, dict) and path[-1] not in section:
            problems.append(message)
    return problems


class ConfigError(ValueError):
    pass


def schema_problems(config: dict, schema_path: str | Path) -> list[str]:
    """Every schema violation as 'key.path: message', not only the first one."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = []
    for error in sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path]):
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        allowed = error.schema.get("description")
        hint = f" ({allowed.strip()})" if allowed and error.validator in ("enum", "type", "minimum", "maximum") else ""
        problems.append(f"{where}: {error.message}{hint}")
    return problems


def version_problems(config: dict) -> list[str]:
    version = config.get("schema_version")
    if version == SCHEMA_VERSION:
        return []
    if version is None:
        return ["this config has no schema_version: it was written for schema 1, before forks could "
                "describe their own trial. To update it (config/README.md, 'Changes that forks must make'):\n"
                + "\n".join(f"      * {step}" for step in MIGRATION_1_TO_2)]
    return [f"schema_version: {version!r} is not {SCHEMA_VERSION}, the version this workflow reads "
            "(config/README.md, 'Changes that forks must make')"]


def _instrument_problems(key: str, inst: dict, arms: list[str]) -> list[str]:
    where = f"instruments.{key}"
    items = inst["items"]
    problems = []
    if inst["item_min"] >= inst["item_max"]:
        problems.append(f"{where}: item_min ({inst['item_min']}) must be below item_max ({inst['item_max']})")
    for item in inst["reverse"]:
        if item not in items:
            problems.append(f"{where}.reverse: '{item}' is not one of its items")
    if inst["score"] in ("mean", "sum") and inst["min_items"] > len(items):
        problems.append(f"{where}.min_items: {inst['min_items']} exceeds its {len(items)} items")
    if inst["score"] == "domains":
        seen = {}
        for domain, members in inst["domains"].items():
            for item in members:
                if item not in items:
                    problems.append(f"{where}.domains.{domain}: '{item}' is not one of its items")
                elif item in seen:
                    problems.append(f"{where}.domains: '{item}' is in both {seen[item]} and {domain}")
                seen.setdefault(item, domain)
        orphans = [item for item in items if item not in seen]
        if orphans:
            problems.append(f"{where}.domains: items {orphans} belong to no domain (they would not count)")
        if inst["min_domains"] > len(inst["domains"]):
            problems.append(f"{where}.min_domains: {inst['min_domains']} exceeds its {len(inst['domains'])} domains")
    for arm in inst.get("arms", []):
        if arm not in arms:
            problems.append(f"{where}.arms: '{arm}' is not one of data.arms ({', '.join(arms)})")
    if "parcels" in inst:
        problems += parcel_problems(key, inst)
    return problems


def _matrix_problems(name: str, matrix, size: int, unit_diagonal: bool) -> list[str]:
    """name: the matrix's key path, e.g. synthetic.lagged_effects."""
    m = np.asarray(matrix, dtype=float)
    if m.shape != (size, size):
        return [f"{name}: must be {size} x {size}, one row and column per process (is "
                f"{' x '.join(map(str, m.shape))})"]
    problems = []
    if unit_diagonal:
        if not np.allclose(m, m.T):
            problems.append(f"{name}: must be symmetric")
        elif not np.allclose(np.diag(m), 1):
            problems.append(f"{name}: diagonal must be 1")
        elif np.linalg.eigvalsh(m).min() <= 0:
            problems.append(f"{name}: must be positive definite")
    elif np.abs(np.linalg.eigvals(m)).max() >= 1:
        problems.append(f"{name}: largest |eigenvalue| must be below 1 (a stationary process)")
    return problems


def short_names(processes: list[dict]) -> dict[str, str]:
    """Process name -> its one-word name in the model (default: first letter, capitalised)."""
    return {p["name"]: p.get("short") or p["name"][0].upper() for p in processes}


def _process_problems(config: dict) -> list[str]:
    instruments, processes = config["instruments"], config["processes"]
    names = [p["name"] for p in processes]
    problems = [f"processes: '{n}' is named twice" for n in sorted({n for n in names if names.count(n) > 1})]
    shorts = short_names(processes)
    for short in sorted(set(shorts.values())):
        owners = [n for n, s in shorts.items() if s == short]
        if len(owners) > 1:
            problems.append(f"processes: {', '.join(owners)} share the short name '{short}'; give each its own "
                            "`short`")
    owner = {}
    for i, process in enumerate(processes):
        for key in process["instruments"]:
            if key not in instruments:
                problems.append(f"processes[{i}].instruments: '{key}' is not an instrument "
                                f"(have: {', '.join(instruments)})")
            elif key in owner:
                problems.append(f"processes[{i}].instruments: '{key}' already measures {owner[key]}")
            owner.setdefault(key, process["name"])
    for where, name in [("study.outcome", config["study"]["outcome"]),
                        ("synthetic.missingness.driver", config["synthetic"]["missingness"]["driver"])]:
        if name not in names:
            problems.append(f"{where}: '{name}' is not a process (have: {', '.join(names)})")
    return problems


def _hypothesis_problems(config: dict) -> list[str]:
    names = {p["name"]: p for p in config["processes"]}
    problems = []
    hyp = config["hypotheses"]
    entries = [(f"hypotheses.paths[{i}]", h, [h["from"], h["to"]]) for i, h in enumerate(hyp["paths"])]
    entries += [(f"hypotheses.indirect[{i}]", h, h["path"]) for i, h in enumerate(hyp.get("indirect", []))]
    if not entries:
        problems.append("hypotheses: no paths and no indirect effects: the claims table would be empty")
    labels = [h["label"] for _, h, _ in entries]
    problems += [f"hypotheses: the label '{lab}' is used twice" for lab in sorted({x for x in labels if labels.count(x) > 1})]
    for where, h, path in entries:
        unknown = [p for p in path if p not in names]
        if unknown:
            problems.append(f"{where}: {unknown} are not processes (have: {', '.join(names)})")
            continue
        for key in h.get("instruments", []):
            if key not in config["instruments"]:
                problems.append(f"{where}.instruments: '{key}' is not an instrument")
            elif not any(key in p["instruments"] for p in config["processes"]):
                problems.append(f"{where}.instruments: '{key}' measures no process, so no model uses it")
    return problems


def _id_map_problems(data: dict) -> list[str]:
    """Each export id maps straight to a participant id: a map target that is itself
    mapped would depend on the order the map is applied in."""
    id_map = data.get("id_map", {})
    chained = sorted(set(id_map) & set(id_map.values()))
    return [f"data.id_map: '{key}' is mapped to '{id_map[key]}' and is itself a participant id that another "
            "export id maps to: map every export id straight to its participant id" for key in chained]


def _model_problems(config: dict) -> list[str]:
    model, instruments = config["model"], config["instruments"]
    arms = [arm["name"] for arm in config["data"]["arms"]]
    problems = [f"data.arms: '{a}' is named twice" for a in sorted({a for a in arms if arms.count(a) > 1})]
    if sorted(model["waves"]) != list(model["waves"]):
        problems.append("model.waves: must be in increasing order")
    if model["lagged"] == "free":
        problems.append("model.lagged: 'free' is not available for the main model: the indirect effects and their "
                        "intervals are defined for time-invariant lags (the sensitivity models fit free lags, "
                        "and `python -m panelsem fit --lagged free` does too)")
    for where in ("arms", "multigroup"):
        for arm in model[where]:
            if arm not in arms:
                problems.append(f"model.{where}: '{arm}' is not one of data.arms ({', '.join(arms)})")
    for arm in model["multigroup"]:
        if arm in arms and arm not in model["arms"]:
            problems.append(f"model.multigroup: '{arm}' is not one of model.arms, the arms that enter the models")
    for process in config["processes"]:
        for key in process["instruments"]:
            if key not in instruments:
                continue
            absent = sorted(set(model["waves"]) - set(instruments[key]["weeks"]))
            if absent:
                problems.append(f"model.waves: weeks {absent} are not in the schedule of {key}")
            given = instruments[key].get("arms", arms)
            missing = [arm for arm in model["arms"] if arm not in given]
            if missing:
                problems.append(f"model.arms: {key} is not given in {', '.join(missing)}; a model needs its "
                                "instruments in every arm it takes (leave those arms out of model.arms)")
    return problems


def _population_problems(section: str, population: dict, k: int) -> list[str]:
    """The population values in `population` (config key `section`), those it has."""
    problems = []
    for name in ("innovation_sd", "intercept_sd", "mean_start", "mean_end"):
        if name in population and len(population[name]) != k:
            problems.append(f"{section}.{name}: needs {k} values, one per process (has {len(population[name])})")
    for name, unit_diagonal in (("lagged_effects", False), ("innovation_correlation", True),
                                ("intercept_correlation", True)):
        if name in population:
            problems += _matrix_problems(f"{section}.{name}", population[name], k, unit_diagonal)
    return problems


def _synthetic_problems(config: dict) -> list[str]:
    return _population_problems("synthetic", config["synthetic"], len(config["processes"]))


def _power_problems(config: dict) -> list[str]:
    """The planned trial: its population overrides and the driver of its attrition."""
    planned = config["power"]
    names = [p["name"] for p in config["processes"]]
    problems = _population_problems("power.population", planned["population"], len(names))
    if planned["attrition"]["driver"] not in names:
        problems.append(f"power.attrition.driver: '{planned['attrition']['driver']}' is not a process "
                        f"(have: {', '.join(names)})")
    return problems


def _study_size_problems(config: dict) -> list[str]:
    recovery, pseudo = config["recovery"], config["pseudo_true"]
    problems = []
    for where, study in (("recovery", recovery), ("recovery.check", recovery["check"])):
        if study["indicator_replications"] > study["replications"]:
            problems.append(f"{where}.indicator_replications: {study['indicator_replications']} exceeds its "
                            f"{study['replications']} replications")
    # The recovery study's model is the first one: each process's first instrument.
    unparcelled = [p["instruments"][0] for p in config["processes"]
                   if "parcels" not in config["instruments"][p["instruments"][0]]]
    for where, study in (("recovery", recovery), ("recovery.check", recovery["check"])):
        if study["indicator_replications"] and unparcelled:
            problems.append(f"{where}.indicator_replications: the multiple-indicator model needs parcels, and "
                            f"instrument(s) {', '.join(unparcelled)} state none (set it to 0, or give them parcels)")
    if pseudo["n_per_arm"] < pseudo["batches"]:
        problems.append(f"pseudo_true.n_per_arm: {pseudo['n_per_arm']} is fewer than one participant per arm in "
                        f"each of its {pseudo['batches']} batches")
    return problems


def check_config(config: dict, schema_path: str | Path) -> None:
    """Raise ConfigError listing every problem: the schema version first, then schema
    violations, then the checks across sections."""
    problems = version_problems(config)
    if problems:
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(problems))
    problems = [message for (section, key), message in RETIRED.items() if key in (config.get(section) or {})]
    problems += added_problems(config)
    problems += schema_problems(config, schema_path)
    if problems:
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(problems))
    instruments = config["instruments"]
    arms = [arm["name"] for arm in config["data"]["arms"]]
    files = {}
    for key, inst in instruments.items():
        problems += _instrument_problems(key, inst, arms)
        if inst["file"] in files:
            problems.append(f"instruments.{key}.file: '{inst['file']}' is also the file of {files[inst['file']]}")
        files.setdefault(inst["file"], key)
        if inst["file"] in config["data"].get("ignore_files", []):
            problems.append(f"data.ignore_files: '{inst['file']}' is the file of instrument {key}")
    problems += _process_problems(config) + _id_map_problems(config["data"])
    if not problems:
        problems += (_hypothesis_problems(config) + _model_problems(config) + _synthetic_problems(config)
                     + _study_size_problems(config)
                     + _power_problems(config))
    if problems:
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(problems))
