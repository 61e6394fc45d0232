"""Runs one code block in a fresh interpreter, notebook style, and prints the result as JSON.

Started by `execute` as `python -m ankigen.compute.runner` with the code on stdin. Like a notebook cell,
it shows what the code prints plus the repr of a final expression. Random sources are seeded so
the same code always shows the same output.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import random
import re
import sys
import traceback

SEED = 0
# Object reprs name memory addresses ("<function f at 0x7f...>"), which change on every run.
_ADDRESS_RE = re.compile(r" at 0x[0-9a-fA-F]+")


def run_block(code: str) -> dict:
    shown = io.StringIO()
    try:
        with contextlib.redirect_stdout(shown):
            _seed_random_sources(code)
            tree = ast.parse(code, "<card>")
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            namespace = {"__name__": "__main__"}
            exec(compile(tree, "<card>", "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), "<card>", "eval"), namespace)
                if value is not None:
                    print(repr(value))
    except Exception as err:  # the card may be about an exception: report it, don't crash
        message = "".join(traceback.format_exception_only(type(err), err)).strip()
        return {"output": _ADDRESS_RE.sub(" at 0x…", shown.getvalue() + message), "raised": True}
    return {"output": _ADDRESS_RE.sub(" at 0x…", shown.getvalue()), "raised": False}


def _seed_random_sources(code: str) -> None:
    random.seed(SEED)
    if "numpy" in code or "np." in code:
        import numpy

        numpy.random.seed(SEED)
    if "torch" in code:  # importing torch costs a second: only when the block uses it
        import torch

        torch.manual_seed(SEED)


if __name__ == "__main__":
    result = run_block(sys.stdin.read())
    sys.stdout.write(json.dumps(result))
