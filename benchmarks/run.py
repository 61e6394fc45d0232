"""Times ankigen against other Markdown-to-Anki tools on the same synthetic corpora, in one run.

    pip install -r benchmarks/requirements.txt
    python benchmarks/run.py                      # 1k, 10k and 50k cards, median of 3 runs
    python benchmarks/run.py --sizes 1000 --repeat 1

Each measurement is a separate process. For each it prints the median wall time, cards per second
and the process's peak RSS (as /usr/bin/time -v reports it). For ankigen, which renders in worker
processes, one more run samples the peak memory of its whole process tree (proportional set size,
so worker processes' shared pages are not counted twice); that run is not timed, since sampling
every few milliseconds takes CPU from the build being measured. Ratios compare tools measured in
this same run, which is what survives a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from corpus import make_cards, write_ankdown, write_ankigen, write_md2anki, write_plain  # noqa: E402

PYTHON = sys.executable
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass
class Measurement:
    seconds: float
    peak_rss_mb: float  # the process itself
    tree_pss_mb: float | None = None  # the process and its workers, where sampled


def measure(command: list[str], cwd: Path | None = None, sample_tree: bool = False) -> Measurement:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = _TreeMemorySampler(process.pid) if sample_tree else None
    if sampler:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if sampler:
        sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return Measurement(elapsed, usage.ru_maxrss / 1024, sampler.peak_kb / 1024 if sampler else None)


class _TreeMemorySampler(threading.Thread):
    """Samples the summed PSS of a process and its descendants every few milliseconds."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self._running = pid, 0, True

    def run(self) -> None:
        while self._running:
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in _tree(self.pid)))
            time.sleep(0.01)

    def stop(self) -> None:
        self._running = False
        self.join()


def _tree(root: int) -> list[int]:
    """The process and its descendants, from each thread's children list: reading that costs the
    measured build far less CPU than scanning all of /proc every few milliseconds."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo += [int(child) for child in children.read_text().split()]
            except OSError:
                continue  # the process just ended
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def median(runs: list[Measurement]) -> Measurement:
    return Measurement(statistics.median(r.seconds for r in runs), statistics.median(r.peak_rss_mb for r in runs))


def md2anki_command(work: Path) -> list[str] | None:
    """md2anki 3.1.0 needs Python 3.12 for one f-string; on 3.11 run a copy with that line fixed."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("md2anki")
    except (ImportError, SyntaxError):
        spec = None
    if spec is None or spec.submodule_search_locations is None:
        return None
    patched = work / "md2anki_patched"
    if not patched.exists():
        shutil.copytree(spec.submodule_search_locations[0], patched / "md2anki")
        util = patched / "md2anki" / "md_util.py"
        util.write_text(util.read_text().replace('.lstrip(".")}', ".lstrip('.')}"))
    ENV["PYTHONPATH"] = os.pathsep.join(filter(None, [str(patched), os.environ.get("PYTHONPATH")]))
    return [PYTHON, "-m", "md2anki"]


def ankdown_command() -> list[str] | None:
    found = shutil.which("ankdown", path=str(Path(PYTHON).parent)) or shutil.which("ankdown")
    return [found] if found else None


def run_size(size: int, repeat: int, work: Path, md2anki_max: int) -> dict[str, Measurement]:
    cards = make_cards(size)
    base = work / f"{size}"
    ours, ankdown_dir, md2anki_dir, plain = base / "ankigen", base / "ankdown", base / "md2anki", base / "cards.jsonl"
    write_ankigen(cards, ours)
    write_ankdown(cards, ankdown_dir)
    md2anki_files = write_md2anki(cards, md2anki_dir)
    write_plain(cards, plain)
    build = [PYTHON, str(ROOT / "build.py"), "-q", "--root", str(ours)]
    edited = ours / "source" / "01_synthetic_chapter_1.md"
    original = edited.read_text()

    results: dict[str, Measurement] = {}

    def record(name: str, command: list[str], before=None, cwd: Path | None = None, sample_tree: bool = False) -> None:
        runs = []
        for attempt in range(repeat + sample_tree):
            if before:
                before(attempt)
            runs.append(measure(command, cwd, sample_tree=sample_tree and attempt == repeat))
        results[name] = median(runs[:repeat])
        results[name].tree_pss_mb = runs[-1].tree_pss_mb

    record("ankigen cold build", build, before=lambda _: shutil.rmtree(ours / "dist", ignore_errors=True), sample_tree=True)
    record("ankigen no-change rebuild", build, sample_tree=True)
    record("ankigen rebuild, one card edited", build, sample_tree=True,
           before=lambda attempt: edited.write_text(original.replace(" in case 0?", f" in case 0 (edit {attempt})?", 1)))
    record("ankigen check", [PYTHON, str(ROOT / "build.py"), "check", "-q", "--root", str(ours)], sample_tree=True)
    record("genanki floor", [PYTHON, str(HERE / "genanki_floor.py"), str(plain), str(base / "floor.apkg")])
    if (ankdown := ankdown_command()) is not None:
        record("ankdown", [*ankdown, "-r", ".", "-p", str(base / "ankdown.apkg")], cwd=ankdown_dir)
        record("ankdown --highlight", [*ankdown, "-r", ".", "-p", str(base / "ankdown-hl.apkg"), "--highlight"], cwd=ankdown_dir)
    if size <= md2anki_max and (md2anki := md2anki_command(work)) is not None:
        record("md2anki", [*md2anki, *map(str, md2anki_files), "-o-anki", str(base / "md2anki.apkg")])
    return results


def real_deck_rebuild(repeat: int, work: Path) -> Measurement:
    copy = work / "real-deck"
    for folder in ("source", "media", "books"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "ankigen.toml", copy / "ankigen.toml")
    command = [PYTHON, str(ROOT / "build.py"), "-q", "--root", str(copy)]
    measure(command)  # the first build fills the caches
    return median([measure(command) for _ in range(repeat)])


def imports_heavy_libraries_on_no_change(work: Path) -> bool:
    probe = (
        "import sys; from ankigen.cli import main; "
        f"main(['-q', '--root', {str(work / 'real-deck')!r}]); "
        "print(any(m in sys.modules for m in ('torch', 'matplotlib')))"
    )
    return subprocess.run([PYTHON, "-c", probe], env=ENV, capture_output=True, text=True, check=True).stdout.strip() == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated card counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument(
        "--md2anki-max", type=int, default=10_000, help="largest corpus to give md2anki (it takes minutes at 50k)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}, median of {args.repeat} runs\n")
    with tempfile.TemporaryDirectory(prefix="ankigen-bench-") as scratch:
        work = Path(scratch)
        table = {}
        for size in sizes:
            print(f"{size} cards ...", flush=True)
            table[size] = run_size(size, args.repeat, work, args.md2anki_max)
            for name, m in table[size].items():
                tree = f"{m.tree_pss_mb:6.0f} MB process tree" if m.tree_pss_mb is not None else ""
                line = f"  {name:<34} {m.seconds:7.2f} s {size / m.seconds:9.0f} cards/s {m.peak_rss_mb:6.0f} MB peak RSS {tree}"
                print(line.rstrip(), flush=True)
        print("\nRatios (ours / theirs, same run; below 1.0 means ankigen is faster):")
        for size, results in table.items():
            cold, nochange = results["ankigen cold build"].seconds, results["ankigen no-change rebuild"].seconds
            parts = [f"no-change / genanki floor {nochange / results['genanki floor'].seconds:.2f}"]
            for tool in ("ankdown", "ankdown --highlight", "md2anki"):
                if tool in results:
                    parts.append(f"cold / {tool} {cold / results[tool].seconds:.2f}")
            print(f"  {size:>6} cards: " + ", ".join(parts))
        if len(sizes) > 1:
            # Linear growth shows as the same cost for each card added, whatever the size.
            cold = {s: table[s]["ankigen cold build"].seconds for s in sizes}
            steps = [
                f"{small} to {large}: {(cold[large] - cold[small]) / (large - small) * 1000:.3f}"
                for small, large in zip(sizes, sizes[1:])
            ]
            print("\nLinear growth, cold build ms per added card: " + ", ".join(steps))
        real = real_deck_rebuild(args.repeat, work)
        print(f"\nReal deck ({sum(1 for _ in (ROOT / 'source').glob('*.md'))} chapters), no-change rebuild: {real.seconds:.2f} s")
        print(f"torch or matplotlib imported by a no-change build: {'yes' if imports_heavy_libraries_on_no_change(work) else 'no'}")


if __name__ == "__main__":
    main()
