# Front door. `make` builds the paper on the synthetic default; `make test` runs the tests.
# Both create .venv/ and install the pinned dependencies first.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

# Python 3.11, whichever name it goes by here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORES  ?= all
SNAKEMAKE := $(BIN)/snakemake --cores $(CORES)
# CONFIG: another trial's full config, replacing config/config.yaml (`make CONFIG=config/mytrial.yaml`).
# CONFIGFILE: an overlay merged into it, for small variants. See config/README.md.
CONFIG ?=
CONFIGFILE ?=
CONFIG_FILES := $(or $(CONFIG),config/config.yaml) $(CONFIGFILE)
# Last on the command line: --configfile takes every word after it.
CONFIG_ARGS := $(if $(CONFIG),--replace-workflow-config --configfile $(CONFIG_FILES),$(if $(CONFIGFILE),--configfile $(CONFIGFILE)))
# Our packages, installed editable: engine, study logic, reporting, developer tools.
PACKAGES := scripts/panelsem scripts/panelstudy scripts/panelreport scripts/paneltools
# Profile of `make cluster` (README: Running on a cluster).
PROFILE ?= profiles/slurm

.PHONY: all paper power report test verify reference recovery-check venv lavaan system-deps slurm poppler quarto-check tablefit cluster crosscheck bench lint format dag lock clean

all: paper

paper: $(STAMP)
	$(SNAKEMAKE) $(CONFIG_ARGS)

# Planning a replication (config: power): Monte Carlo and analytic power of the hypotheses
# for a planned trial, and the document manuscript/_build/planning.{html,pdf,docx}.
power: $(STAMP)
	$(SNAKEMAKE) power $(CONFIG_ARGS)

# Reviewers: rebuild everything from the raw data, then check every reported number
# against the committed reference (config: verification). Fails on any drift.
verify: $(STAMP)
	$(SNAKEMAKE) verify --forceall $(CONFIG_ARGS)

# After an intended change of results: make the current build's numbers the reference.
reference: $(STAMP)
	$(SNAKEMAKE) results/verification/reported.csv $(CONFIG_ARGS)
	$(BIN)/python -m panelreport.verification results/verification/reported.csv $(CONFIG_FILES)

# The larger recovery study (config recovery.check: 500 replications by default), in
# RECOVERY_JOBS scattered jobs: fails unless the coverage of every lagged effect's Wald
# interval against its pseudo-true value lies in the binomial 95% band.
RECOVERY_JOBS ?= 10
recovery-check: $(STAMP)
	$(SNAKEMAKE) results/recovery/check/verdict.txt --set-scatter recovery=$(RECOVERY_JOBS) $(CONFIG_ARGS)
	@cat results/recovery/check/verdict.txt
	@! grep -q '^FAIL' results/recovery/check/verdict.txt

# Self-contained HTML of the figures and tables with captions, after `make paper`.
report: $(STAMP)
	$(BIN)/snakemake --report results/report.html $(CONFIG_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

venv: $(STAMP)

$(STAMP): requirements.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
	  || { echo "error: Python 3.11 is required (found: $$($(PYTHON) --version 2>&1)); set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned dependencies into $(VENV)/ (about a minute, once)..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 \
	  | { grep -v "is ignored: it is neither a file nor a directory" || true; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps $(addprefix -e ,$(PACKAGES))
	touch $(STAMP)

# Optional: R and lavaan for the cross-check rule and its tests (Debian/Ubuntu, as root).
lavaan system-deps:
	@if command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(lavaan)' >/dev/null 2>&1; then \
	  echo "R and lavaan already installed"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends r-cran-lavaan >/dev/null; \
	else \
	  echo "warning: cannot install r-cran-lavaan here (needs apt-get as root); lavaan checks will be skipped"; \
	fi

# Optional: Debian's SLURM and munge for the single-node cluster of the SLURM test (root).
slurm:
	@if command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && command -v munged >/dev/null 2>&1; then \
	  echo "SLURM and munge already installed"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; \
	else \
	  echo "warning: cannot install slurm-wlm and munge here (needs apt-get as root); the SLURM test will be skipped"; \
	fi

# Optional: Debian's poppler-utils (pdftotext, pdftoppm) for the test that every table of
# the PDF fits its page (root).
poppler:
	@if command -v pdftotext >/dev/null 2>&1; then \
	  echo "poppler-utils already installed"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null; \
	else \
	  echo "warning: cannot install poppler-utils here (needs apt-get as root); the table-fit test will be skipped"; \
	fi

# Reviewers with Quarto: render the built sources with Quarto and with the fallback and
# compare numbers, tables, figures, cross-references and references (results/quarto-check/).
quarto-check: paper
	$(BIN)/python -m paneltools.quarto_check manuscript --out results/quarto-check

# Does every table of the PDFs fit its page? (needs `make poppler`)
tablefit: paper
	$(BIN)/python -m paneltools.tablefit manuscript

# The whole build through a cluster executor; run it on the cluster's login node.
# No --cores: the profile sets what one job may use.
cluster: $(STAMP)
	$(BIN)/snakemake --profile $(PROFILE) $(CONFIG_ARGS)

# Our engine against lavaan on the built wide panel (needs `make lavaan` first).
crosscheck: $(STAMP)
	$(SNAKEMAKE) crosscheck

bench: $(STAMP)
	$(BIN)/python -m paneltools.bench_cli
	$(BIN)/python -m paneltools.bench_fiml
	$(BIN)/python -m paneltools.bench_bootstrap
	$(BIN)/python -m paneltools.bench_indicators
	$(BIN)/python -m paneltools.bench_power

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

format: $(STAMP)
	$(BIN)/snakefmt Snakefile workflow/rules

# The rule graph shown in the README.
dag: $(STAMP)
	$(BIN)/snakemake --rulegraph | $(BIN)/python -m paneltools.rulegraph docs/rulegraph.svg docs/rulegraph.png

# Re-resolve the pins from requirements.in (needs the registry).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.in
	.lock-venv/bin/python -m pip freeze --exclude-editable > requirements.txt
	rm -rf .lock-venv
	$(BIN)/python -m paneltools.lock requirements.txt environment.yml

clean:
	rm -rf results/ resources/ manuscript/_build/ .snakemake/
