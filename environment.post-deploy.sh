#!/usr/bin/env sh
# This repository's own packages, editable, into the conda environment of
# environment.yml (which pins everything else). Snakemake runs this from the workflow's
# directory after creating the environment for `--sdm conda`; by hand, run it there too.
set -e
pip install --no-deps -e scripts/panelsem -e scripts/panelstudy -e scripts/panelreport -e scripts/paneltools
