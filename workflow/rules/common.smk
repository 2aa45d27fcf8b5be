from pathlib import Path

from snakemake.utils import validate

from paneltools.codedeps import local_imports
from panelreport.provenance import config_hash, git_state
from panelreport.render import manuscript_inputs
from panelstudy.config import check_config
from panelstudy.design import model_constructs
from panelstudy.seeds import derive_seed

# The concise all-errors report first; Snakemake's own validator then has nothing left to find.
check_config(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
validate(config, schema="../schemas/config.schema.yaml")

INSTRUMENTS = list(config["instruments"])
ALLIANCE = config["model"]["alliance"]
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


wildcard_constraints:
    alliance="|".join(ALLIANCE),
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


def validated_files():
    return {key: f"results/data/validated/{key}.csv" for key in INSTRUMENTS}


# --- what each rule uses of the config (its params; see config/README.md) ----------


def pick(mapping, keys):
    return {key: mapping[key] for key in keys if key in mapping}


SCORING_KEYS = (
    "items",
    "item_min",
    "item_max",
    "reverse",
    "score",
    "min_items",
    "domains",
    "min_domains",
    "weeks",
)


def scoring_rules():
    """Per instrument: its items, range, keying, scoring rule and schedule."""
    return {
        key: pick(inst, SCORING_KEYS) for key, inst in config["instruments"].items()
    }


def contract_rules():
    """What the data contract checks: columns, arms, missing-value codes, and per
    instrument its file, rater, schedule, items and item range."""
    keys = ("file", "rater", "weeks", "items", "item_min", "item_max")
    return {
        "data": pick(config["data"], ("columns", "arms", "missing_values")),
        "instruments": {
            key: pick(inst, keys) for key, inst in config["instruments"].items()
        },
    }


def model_roles():
    return pick(config["model"], ("alliance", "regulation", "depression", "waves"))


# What the synthetic trial's item generator reads of an instrument.
SIMULATION_KEYS = (
    "items",
    "item_min",
    "item_max",
    "score",
    "domains",
    "weeks",
    "rater",
)


def simulation_design(instrument_keys=SIMULATION_KEYS):
    """Everything the synthetic trial is drawn from."""
    return {
        "data": pick(config["data"], ("columns", "arms")),
        "instruments": {
            key: pick(inst, instrument_keys)
            for key, inst in config["instruments"].items()
        },
        "model": model_roles(),
        "synthetic": config["synthetic"],
    }


def recovery_design():
    """The synthetic trial, and how each replication of the recovery study analyses it."""
    return {
        "seed": config["seed"],
        **simulation_design((*SCORING_KEYS, "rater")),
        "recovery": config["recovery"],
        "monte_carlo": config["monte_carlo"],
    }


def labels(keys=None):
    return {
        key: inst["label"]
        for key, inst in config["instruments"].items()
        if keys is None or key in keys
    }


def study_data():
    """The data source, and where real data are read from (only then)."""
    data = config["data"]
    return pick(data, ("source", "raw_dir") if data["source"] == "raw" else ("source",))


def raters():
    """Alliance raters, in the order of model.alliance (one fitted model each)."""
    return [config["instruments"][key]["rater"] for key in ALLIANCE]


def model_params(wildcards):
    """The three processes of one fit, as wide-panel column prefixes (alliance varies by rater)."""
    return model_constructs(config["model"], wildcards.alliance)


def scatter_range(scatteritem, total):
    """Indices of item 'i-of-n' of `total` replicates: a contiguous block."""
    i, n = (int(part) for part in scatteritem.split("-of-"))
    return range((i - 1) * total // n, i * total // n)


def bootstrap_seeds(wildcards):
    """Replicate index -> seed for one scatter item. Seeds depend on the index only, so
    the replicates (and both raters' resamples) are the same whatever the split."""
    reps = scatter_range(wildcards.scatteritem, config["bootstrap"]["replications"])
    return {rep: derive_seed(config["seed"], "bootstrap", rep) for rep in reps}


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
