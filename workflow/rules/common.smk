from pathlib import Path

from snakemake.utils import validate

from paneltools.codedeps import local_imports
from panelreport.provenance import config_hash, git_state
from panelreport.render import manuscript_inputs
from panelreport.text import processes_phrase
from panelstudy import design, params
from panelstudy.config import check_config
from panelstudy.parcels import model_indicators as parcel_indicators
from panelstudy.seeds import derive_seed

# The concise all-errors report first; Snakemake's own validator then has nothing left to find.
check_config(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
validate(config, schema="../schemas/config.schema.yaml")

INSTRUMENTS = list(config["instruments"])
# Instruments with item parcels, for the multiple-indicator RI-CLPM.
PARCELLED = [key for key, inst in config["instruments"].items() if "parcels" in inst]
MODELS = {model["id"]: model for model in design.models(config)}
CHAINS = design.chains(config)
# The planned trial of `make power` (workflow/rules/power.smk).
POWER = params.power(config)
SYNTHETIC = config["data"]["source"] == "synthetic"
RAW_DIR = "resources/synthetic/raw" if SYNTHETIC else config["data"]["raw_dir"]
# Same pins as requirements.txt, plus Quarto and lavaan; used with --sdm conda.
CONDA_ENV = "../../environment.yml"
BASEDIR = Path(workflow.basedir)
SOURCE_ROOTS = sorted(BASEDIR.glob("scripts/*/src"))
ENGINE_DIR = "scripts/panelsem/src/panelsem"
MANUSCRIPT_DIR = "manuscript"
BUILD_DIR = f"{MANUSCRIPT_DIR}/_build"
GENERATED = f"{MANUSCRIPT_DIR}/_generated"
FORMATS = ("html", "pdf", "docx")
MANUSCRIPT_OUTPUTS = [f"{BUILD_DIR}/index.{ext}" for ext in FORMATS]
SUPPLEMENT_OUTPUTS = [f"{BUILD_DIR}/supplement.{ext}" for ext in FORMATS]
# On real data the individual trajectories are drawn only when the config asks.
INDIVIDUAL = SYNTHETIC or config["privacy"]["individual_trajectories"]


wildcard_constraints:
    model="|".join(MODELS),
    instrument="|".join(INSTRUMENTS),


def rule_code(rule_name):
    """The modules of our packages that the rule's script imports, as inputs (the
    script itself is tracked by Snakemake's code trigger)."""
    script = BASEDIR / "workflow" / "scripts" / f"{rule_name}.py"
    return [
        str(Path(p).relative_to(BASEDIR)) for p in local_imports(script, SOURCE_ROOTS)
    ]


def rule_seed(name):
    return derive_seed(config["seed"], name)


def raw_files():
    return {
        key: f"{RAW_DIR}/{inst['file']}" for key, inst in config["instruments"].items()
    }


def present_raw_files(wildcards):
    """The raw files that exist (the synthetic ones are made by simulate): a missing file
    is the contract's file_exists problem, listed with the others, rather than
    Snakemake's MissingInputException. The set is read anew each run, so a file that
    appears or goes reruns the rules that take it."""
    if SYNTHETIC:
        return raw_files()
    return {key: path for key, path in raw_files().items() if Path(path).is_file()}


def hashed_raw_files(wildcards):
    """The raw files as provenance hashes them, raw_<key>: path; as validate takes them
    (they all exist once it has passed)."""
    return {f"raw_{key}": path for key, path in present_raw_files(wildcards).items()}


def ignored_files(wildcards):
    """Files in the raw folder that the config lists as ignored and that are there:
    hashed by provenance, not read."""
    listed = (f"{RAW_DIR}/{name}" for name in config["data"]["ignore_files"])
    return [path for path in listed if Path(path).is_file()]


def validated_files():
    return {key: f"results/data/validated/{key}.csv" for key in INSTRUMENTS}


def after_validation():
    """An input for rules that read no data: they too wait until the data pass
    validation, so that nothing is written from a rejected input. Ancient: a rerun of
    validate does not make them rerun. Through the checkpoint: Snakemake decides
    whether a job downstream of a job it will run needs to run only once that job has
    run, and for a checkpoint it then looks again (otherwise a changed param of these
    rules would go unnoticed in a run that also reruns validate)."""
    return lambda wildcards: ancient(checkpoints.validate.get().output.intake)


def per_model(pattern):
    return expand(pattern, model=MODELS)


# --- what each rule uses of the config (its params; panelstudy.params) ------------


def labels(keys=None):
    return {
        key: inst["label"]
        for key, inst in config["instruments"].items()
        if keys is None or key in keys
    }


def process_labels():
    """Short name -> label of each process."""
    return {p.short: p.label for p in design.processes(config)}


def model_labels():
    return {model: m["label"] for model, m in MODELS.items()}


def chain_words():
    return {"*".join(c["parameters"]): c["words"] for c in CHAINS}


def outcome_instrument():
    """The first instrument of the process the sample table follows."""
    outcome = config["study"]["outcome"]
    return next(p for p in config["processes"] if p["name"] == outcome)["instruments"][
        0
    ]


def instrument_processes():
    """Instrument -> the process it measures ("auxiliary" when none)."""
    named = {key: p["name"] for p in config["processes"] for key in p["instruments"]}
    return {key: named.get(key, "auxiliary") for key in INSTRUMENTS}


def model_constructs(wildcards):
    return MODELS[wildcards.model]["constructs"]


def model_indicators(wildcards):
    """Each construct's parcel prefixes; None when an instrument of the model has no parcels."""
    return parcel_indicators(
        MODELS[wildcards.model]["constructs"], config["instruments"]
    )


def scatter_range(scatteritem, total):
    """Indices of item 'i-of-n' of `total` replicates: a contiguous block."""
    i, n = (int(part) for part in scatteritem.split("-of-"))
    return range((i - 1) * total // n, i * total // n)


def bootstrap_seeds(wildcards):
    """Replicate index -> seed for one scatter item. Seeds depend on the index only, so
    the replicates (and every model's resamples) are the same whatever the split."""
    total = config["bootstrap"]["replications"] if CHAINS else 0
    reps = scatter_range(wildcards.scatteritem, total)
    return {rep: derive_seed(config["seed"], "bootstrap", rep) for rep in reps}


def study_data():
    """The data source, and where real data are read from (only then)."""
    data = config["data"]
    keys = ("source", "raw_dir") if data["source"] == "raw" else ("source",)
    return {key: data[key] for key in keys}


def process_phrase():
    return processes_phrase(study_for_text())


# What the method section says of an instrument (panelreport.text).
TEXT_KEYS = (
    "label",
    "name",
    "citation",
    "rater",
    "items",
    "item_min",
    "item_max",
    "score",
    "min_items",
    "domains",
    "min_domains",
    "higher_is_better",
    "arms",
)


def study_for_text():
    """What the generated prose says (panelreport.text)."""
    return {
        "study": config["study"],
        "instruments": {
            key: {k: inst[k] for k in TEXT_KEYS if k in inst}
            for key, inst in config["instruments"].items()
        },
        "processes": [
            {
                "name": p.name,
                "short": p.short,
                "label": p.label,
                "better": p.better,
                "worse": p.worse,
                "instruments": list(p.instruments),
            }
            for p in design.processes(config)
        ],
        "auxiliary": design.auxiliary_instruments(config),
        "models": [
            {"id": m["id"], "label": m["label"], "instruments": m["instruments"]}
            for m in MODELS.values()
        ],
        "tests": design.tests(config),
        "correction": config["hypotheses"]["correction"],
        "outcome_label": next(
            p["label"]
            for p in config["processes"]
            if p["name"] == config["study"]["outcome"]
        ),
        "individual": INDIVIDUAL,
        "multigroup": config["model"]["multigroup"],
        "parcels": {
            key: len(config["instruments"][key]["parcels"]) for key in PARCELLED
        },
    }


# The filters shape the output as much as the sources do.
LUA_FILTERS = sorted(
    str(p.relative_to(BASEDIR))
    for p in (BASEDIR / "scripts/panelreport/src/panelreport/filters").glob("*.lua")
)


def render_inputs(article, figures=()):
    """Every file a document reads, each once. The images inside generated includes are
    found only once those exist; listed once here (and among the figures), the input
    set recorded at the first build is the one a later run sees."""
    found = {str(path) for path in manuscript_inputs(MANUSCRIPT_DIR, article)}
    return sorted(found | set(LUA_FILTERS) | set(figures))


def power_part(*keys):
    """The sections of the planned trial that a power rule uses."""
    return {key: POWER[key] for key in keys}


def reported_tables(*table_rules):
    """The results tables (CSV) among the outputs of these rules."""
    return sorted(
        path
        for table_rule in table_rules
        for path in table_rule.output
        if path.startswith("results/tables/") and path.endswith(".csv")
    )


def report_figure(name, category, subcategory, label):
    """results/figures/<name>.png for the report, captioned by workflow/report/figure_<name>.rst."""
    return report(
        f"results/figures/{name}.png",
        caption=f"../report/figure_{name}.rst",
        category=category,
        subcategory=subcategory,
        labels={"Figure": label},
    )


def report_table(name, category, subcategory, label):
    """results/tables/<name>.csv for the report, captioned by workflow/report/table_<name>.rst."""
    return report(
        f"results/tables/{name}.csv",
        caption=f"../report/table_{name}.rst",
        category=category,
        subcategory=subcategory,
        labels={"Table": label},
    )
