"""What each fast path earns: a cold build of the synthetic corpus with each one turned off in turn.

    python benchmarks/speedups.py                 # 10k cards, median of 3 interleaved runs
    python benchmarks/speedups.py --cards 1000 --repeat 5

Every variant builds the same corpus from an empty dist/ in a fresh process, and the variants are
interleaved run by run, so that a noisy machine slows them alike. It prints each variant's median
wall time and CPU time (the build and its workers), and its ratio to the build with every fast path on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import make_cards, write_ankigen  # noqa: E402

# Python run in the build's process before the build: each turns one fast path off.
VARIANTS = {
    "every fast path on": "",
    "plain-Markdown path off": "import ankigen.render.fast_markdown as m; m.TESTED = {'Markdown': ('off',)}",
    "combined-rule lexer off": "import ankigen.render.fast_lexer as m; m.TESTED = {'Pygments': ('off',)}",
    "direct rows off": "import ankigen.package.fast_rows as m; m.TESTED = {'genanki': ('off',)}",
    "parallel rendering off": "import ankigen.render.parallel as m; m.PARALLEL_THRESHOLD = 10**9",
    "every fast path off": "import os; os.environ['ANKIGEN_SPEEDUPS'] = 'off'",
}


def build_once(setup: str, project: Path) -> tuple[float, float]:
    shutil.rmtree(project / "dist", ignore_errors=True)
    code = f"{setup}\nimport sys\nfrom ankigen.cli import main\nsys.exit(main(['-q', '--root', {str(project)!r}]))"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    _, status, usage = os.wait4(process.pid, 0)  # usage covers the build and its (reaped) workers
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the build failed with: {setup or 'nothing changed'}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        project = Path(work) / "corpus"
        write_ankigen(make_cards(args.cards), project)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
        for _ in range(args.repeat):
            for name, setup in VARIANTS.items():
                runs[name].append(build_once(setup, project))
    base = statistics.median(wall for wall, _ in runs["every fast path on"])
    print(f"{args.cards} cards, cold build, median of {args.repeat}")
    print(f"{'variant':<26} {'wall':>8} {'CPU':>8} {'÷ all on':>9}")
    for name, measured in runs.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        print(f"{name:<26} {wall:>7.2f}s {cpu:>7.2f}s {wall / base:>9.2f}")


if __name__ == "__main__":
    main()
