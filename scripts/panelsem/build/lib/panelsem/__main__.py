"""python -m panelsem {fit,crosscheck,simulate} ... (see cli.py)."""

import os
import sys

# Single-threaded BLAS before numpy loads: the matrices are small (threads only
# add overhead) and the bytes written then do not depend on the number of cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from panelsem.cli import main  # noqa: E402

sys.exit(main())
