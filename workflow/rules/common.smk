import sys
from pathlib import Path

from snakemake.utils import validate

# Rule scripts and these helpers share the importable modules in scripts/.
sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))

from code_dependencies import local_imports  # noqa: E402
from config_checks import check_config  # noqa: E402
from provenance import config_hash, git_state  # noqa: E402
from render_manuscript import manuscript_inputs  # noqa: E402
from seeds import derive_seed  # noqa: E402

# The concise all-errors report first; Snakemake's own validator then has nothing left to find.
check_config(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
validate(config, schema="../schemas/config.schema.yaml")

INSTRUMENTS = list(config["instruments"])
ALLIANCE = config["model"]["alliance"]
SYNTHETIC = config["data"]["source"] == "synthetic"
RAW_DIR = "resources/synthetic/raw" if SYNTHETIC else config["data"]["raw_dir"]
# Same pins as requirements.txt, plus Quarto and lavaan; used with --sdm conda.
CONDA_ENV = "../../environment.yml"
MANUSCRIPT_DIR = "manuscript"
BUILD_DIR = f"{MANUSCRIPT_DIR}/_build"
GENERATED = f"{MANUSCRIPT_DIR}/_generated"
FORMATS = ("html", "pdf", "docx")
MANUSCRIPT_OUTPUTS = [f"{BUILD_DIR}/index.{ext}" for ext in FORMATS]
SUPPLEMENT_OUTPUTS = [f"{BUILD_DIR}/supplement.{ext}" for ext in FORMATS]


wildcard_constraints:
    alliance="|".join(ALLIANCE),
    chunk=r"\d+",
    instrument="|".join(INSTRUMENTS),


def rule_seed(name):
    return derive_seed(config["seed"], name)


def raw_files():
    return {
        key: f"{RAW_DIR}/{inst['file']}" for key, inst in config["instruments"].items()
    }


def validated_files():
    return {key: f"results/data/validated/{key}.csv" for key in INSTRUMENTS}


def git_commit():
    return git_state(workflow.basedir)["commit"]


def config_sha256():
    return config_hash(config)


def rule_code(script):
    """The local modules that a rule script imports, as inputs (see code_dependencies.py)."""
    return local_imports(Path(workflow.basedir) / "scripts" / script)


def model_params(wildcards):
    """The three processes of one fit, as wide-panel column prefixes (alliance varies by rater)."""
    keys = {
        "A": wildcards.alliance,
        "E": config["model"]["regulation"],
        "D": config["model"]["depression"],
    }
    return {short: f"{key}_" for short, key in keys.items()}


def bootstrap_seeds(chunk):
    """Replicate index -> seed for one chunk. Seeds depend on the index only, so the
    replicates (and both raters' resamples) are the same whatever the chunk count."""
    n, chunks = config["bootstrap"]["replications"], config["bootstrap"]["chunks"]
    first, last = chunk * n // chunks, (chunk + 1) * n // chunks
    return {
        rep: derive_seed(config["seed"], "bootstrap", rep) for rep in range(first, last)
    }


def config_digest(*sections):
    """Hash of the config sections a rule script reads. Declared as a param, so that
    changing those sections reruns the rule (Snakemake tracks params, not config)."""
    return config_hash({key: config[key] for key in sections})


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
