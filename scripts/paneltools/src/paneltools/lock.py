"""Write environment.yml from requirements.txt so conda users get the same pins.

Usage: python -m paneltools.lock requirements.txt environment.yml
"""

import sys
from pathlib import Path

# The Quarto the manuscript's Quarto path was built and checked for (docs/manuscript.md);
# paneltools.quarto_standin answers `quarto --version` with it.
QUARTO_VERSION = "1.7.34"
HEADER = f"""\
# Generated from requirements.txt by paneltools.lock (`make lock`); do not edit.
# Conda users: `conda env create -f environment.yml`, `conda activate alliance-riclpm`,
# `sh environment.post-deploy.sh` (this repository's packages), then `snakemake --cores all`.
# With `--sdm conda` Snakemake runs environment.post-deploy.sh itself.
name: alliance-riclpm
channels:
  - conda-forge
  - nodefaults
dependencies:
  - python=3.11
  - pip
  - quarto={QUARTO_VERSION}
  - r-lavaan=0.6.14
  - pip:
"""


def environment_yaml(requirements: str) -> str:
    pins = [line.strip() for line in requirements.splitlines() if "==" in line and not line.lstrip().startswith("#")]
    return HEADER + "".join(f"      - {pin}\n" for pin in pins)


if __name__ == "__main__":
    source, target = sys.argv[1:3]
    Path(target).write_text(environment_yaml(Path(source).read_text()))
