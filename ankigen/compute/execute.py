"""Compute: run every `python run` code block and keep its output for the card.

Each block runs in a fresh, time-limited interpreter on the CPU, so outputs are the same on every
machine. Results are committed under media/outputs/ (one JSON file per chapter) and keyed by a
hash of the code and the pinned libraries: a contributor fixing a typo needs no torch.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Report
from ..files import read_json_or_empty, write_atomically
from ..model import Chapter, CodeBlock, Execution
from . import cache_key

log = logging.getLogger(__name__)

# How a block is run shapes its output, so the runner's own code is part of every cache key.
_RUNNER_SOURCE = (Path(__file__).parent / "runner.py").read_text(encoding="utf-8")

CACHE_VERSION = 1
DEFAULT_TIMEOUT_S = 60
MAX_TIMEOUT_S = 3600
MAX_OUTPUT_BYTES = 1 << 20  # what a block may print: a card shows a few lines
# The options a fence may carry after its language (see CONTRIBUTING.md).
RUN_OPTIONS = ("run", "raises", "timeout=<seconds>")


@dataclass(frozen=True)
class BlockRun:
    chapter: Chapter
    card_id: str
    block: CodeBlock

    @property
    def key(self) -> str:
        return cache_key(cache=CACHE_VERSION, runner=_RUNNER_SOURCE, options=self.block.options, code=self.block.code)


@dataclass
class ExecutionSummary:
    outputs: dict[str, Execution]  # code -> result, what the renderer needs
    cached: int = 0
    ran: int = 0
    stale: list[BlockRun] = field(default_factory=list)  # missing or out of date before this run


def block_timeout(block: CodeBlock) -> int | None:
    """The block's time limit in seconds; None when its timeout option is malformed."""
    for option in block.options:
        if option.startswith("timeout="):
            value = option.removeprefix("timeout=")
            return int(value) if re.fullmatch(r"[0-9]{1,6}", value) and 0 < int(value) <= MAX_TIMEOUT_S else None
    return DEFAULT_TIMEOUT_S


def execute_blocks(
    chapters: list[Chapter], outputs_dir: Path, report: Report, *, force: bool = False, run: bool = True
) -> ExecutionSummary:
    """Runs the blocks whose output is missing or stale (all with force); with run=False only counts them."""
    runs = [
        BlockRun(chapter, card.id.text, block)
        for chapter in chapters
        for card in chapter.cards
        for block in card.code_blocks
        if block.runs
    ]
    stores = {chapter.number: read_json_or_empty(_store_path(outputs_dir, chapter)) for chapter in chapters}
    summary = ExecutionSummary(outputs={})
    pending = []
    for item in runs:
        entry = stores[item.chapter.number].get(item.key)
        if entry is not None and not force:
            summary.outputs[item.block.code] = Execution(entry["output"], entry["raised"])
            summary.cached += 1
        else:
            pending.append(item)
    summary.stale = pending
    if not run:
        return summary
    if pending:
        log.info("Running %d code block%s on the CPU", len(pending), "" if len(pending) == 1 else "s")
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for item, outcome in zip(pending, pool.map(_run_block, pending)):
                if _matches_expectation(item, outcome, report):
                    summary.outputs[item.block.code] = outcome
                    summary.ran += 1
    if report.ok:
        _save_stores(chapters, runs, summary.outputs, outputs_dir)
    return summary


def _run_block(item: BlockRun) -> Execution | str:
    """The block's result, or a message saying why there is none (it hung, printed too much, or crashed).

    A block runs as contributor code on maintainers' and CI's machines, so it gets as little as the
    platform allows to hold it: an environment with only what Python needs (no tokens or secrets), a
    temporary working directory and home, a cap on what it may print, and its own process group,
    killed whole at the timeout and when it ends. It can still read files the user can read and use
    the network: maintainers read `python run` blocks in a pull request before building it.
    """
    timeout = block_timeout(item.block) or DEFAULT_TIMEOUT_S
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ankigen-run-") as scratch:
        # Files, not pipes: a process the block leaves behind can hold no pipe open and stall the build.
        code, output, errors = (Path(scratch) / name for name in ("block.py", "result.json", "stderr.txt"))
        code.write_text(item.block.code, encoding="utf-8")
        env = {
            "PATH": os.defpath,
            "HOME": scratch,
            "TMPDIR": scratch,
            "LANG": "C.UTF-8",
            "PYTHONPATH": _package_root(),
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "CUDA_VISIBLE_DEVICES": "",
            "OMP_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",
        }
        with code.open("rb") as stdin, output.open("wb") as stdout, errors.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "ankigen.compute.runner"],
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                cwd=scratch,
                env=env,
                start_new_session=True,  # its own process group, so that its children go with it
                preexec_fn=_limit_output if os.name == "posix" else None,
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return f"did not finish within {timeout} s: make it faster, or raise its limit with timeout=<seconds>"
            finally:
                _kill_group(process)
        if output.stat().st_size >= MAX_OUTPUT_BYTES or process.returncode == -getattr(signal, "SIGXFSZ", 0):
            return f"printed more than {MAX_OUTPUT_BYTES // 1024} KiB: print less (a card shows a few lines)"
        log.info("  %s (%s): %.1f s", item.card_id, item.block.location, time.monotonic() - started)
        if process.returncode != 0:
            return f"crashed the Python interpreter: {errors.read_text(errors='replace').strip()[-500:]}"
        result = json.loads(output.read_text(encoding="utf-8"))
    return Execution(result["output"], result["raised"])


def _limit_output() -> None:
    """In the block's process: no file it writes, its output included, may grow past the cap."""
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_OUTPUT_BYTES, MAX_OUTPUT_BYTES))


def _kill_group(process: subprocess.Popen) -> None:
    """Ends the block and everything it started (after a timeout, or children it left behind)."""
    if os.name != "posix":
        process.kill()
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # already gone
    process.wait()


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])


def _matches_expectation(item: BlockRun, result: Execution | str, report: Report) -> bool:
    """A block must raise exactly when it is marked `raises`; a hang or crash is always an error."""
    where = f"code block of card {item.card_id}"
    expects_error = "raises" in item.block.options
    if isinstance(result, str):
        report.error(item.block.location, f"{where} {result}")
    elif result.raised and not expects_error:
        report.error(
            item.block.location,
            f"{where} raised {result.output.splitlines()[-1]}: fix the code, or mark the fence "
            "'python run raises' if the error is what the card shows",
        )
    elif expects_error and not result.raised:
        report.error(item.block.location, f"{where} is marked 'raises' but ran without an error")
    else:
        return True
    return False


def _store_path(outputs_dir: Path, chapter: Chapter) -> Path:
    return outputs_dir / f"{chapter.number:02d}.json"


def _save_stores(chapters: list[Chapter], runs: list[BlockRun], outputs: dict[str, Execution], outputs_dir: Path) -> None:
    """Rewrites each chapter's store with exactly its current blocks, so stale entries disappear."""
    for chapter in chapters:
        entries = {
            item.key: {"card": item.card_id, "output": outputs[item.block.code].output, "raised": outputs[item.block.code].raised}
            for item in runs
            if item.chapter is chapter
        }
        path = _store_path(outputs_dir, chapter)
        text = json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        if not entries:
            path.unlink(missing_ok=True)
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            write_atomically(path, text)
