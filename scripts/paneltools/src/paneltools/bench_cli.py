"""Benchmark the engine's command line: the wall time of `python -m panelsem fit` on a
small model, start-up and imports included (goal: at most 1 s), median of runs.

The small model: 2 constructs x 4 waves, N = 200, about 15% of cells missing.
The last line is machine-readable:
cli: wall_s=... fit_s=... import_s=... runs=...
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from panelsem.io import EXACT, write_csv
from panelsem.simulate import simulate_wide


def wall(command: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "small.csv"
        write_csv(simulate_wide(n=200, waves=4, constructs={"A": "a_", "E": "e_"}, seed=5), data, EXACT)
        fit = [sys.executable, "-m", "panelsem", "fit", str(data), "--construct", "A=a_", "--construct", "E=e_",
               "--waves", "1-4", "--out", str(Path(tmp) / "out")]
        imports = [sys.executable, "-c", "import panelsem.cli, panelsem.fit, pandas"]
        wall(fit)  # warm the file cache
        fits = [wall(fit) for _ in range(args.runs)]
        starts = [wall(imports) for _ in range(args.runs)]
    fit_s, import_s = statistics.median(fits), statistics.median(starts)
    print(f"python -m panelsem fit, 2 constructs x 4 waves, N = 200: median {fit_s:.3f} s wall "
          f"over {args.runs} runs (goal <= 1 s), of which Python start-up and imports {import_s:.3f} s")
    print(f"cli: wall_s={fit_s:.3f} fit_s={fit_s - import_s:.3f} import_s={import_s:.3f} runs={args.runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
