#!/usr/bin/env python3
"""Execute a notebook headless with the project's tslab kernel and save the executed copy.

Usage: run_notebook.py NOTEBOOK OUTPUT [--timeout SECONDS]

The notebook runs with its own folder as working directory. Any failing cell fails the run
(no --allow-errors: after a failing cell tslab drops requests, so later cells would be
skipped silently). The executed notebook is written atomically, also when a cell fails, so
the error can be read in it.

One failure is retried: tslab's own compiler state ("Unexpected pending rebuildTimer", an error
inside the kernel's TypeScript watch host, seen once under heavy CPU load, never in the
notebook's code). The notebook then runs once more in a fresh kernel, with a line on stderr;
figure notebooks are deterministic, so the second run computes what the first would have.
"""
import argparse
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


# Errors of tslab's TypeScript watch host, not of a notebook's code: a fresh kernel does not repeat them.
KERNEL_INTERNAL_ERRORS = ("Unexpected pending rebuildTimer", "rebuildTimer is not set properly")
# Runs of a notebook at most (the second only after a kernel-internal error).
ATTEMPTS = 2


def kernel_internal_error(error):
    """The kernel-internal message in a cell error, or None (no error, or the notebook's own)."""
    if error is None:
        return None
    text = str(error)
    return next((m for m in KERNEL_INTERNAL_ERRORS if m in text), None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebook")
    ap.add_argument("output")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per cell (default 3600)")
    a = ap.parse_args()
    if not os.path.isfile(a.notebook):
        print(f"run_notebook: {a.notebook}: no such notebook", file=sys.stderr)
        return 2
    t0 = time.time()
    name = os.path.basename(a.notebook)
    print(f"run_notebook: executing {name}", file=sys.stderr, flush=True)
    for attempt in range(1, ATTEMPTS + 1):
        nb = nbformat.read(a.notebook, as_version=4)
        client = NotebookClient(
            nb,
            timeout=a.timeout,
            kernel_name="tslab",
            resources={"metadata": {"path": os.path.dirname(os.path.abspath(a.notebook))}},
        )
        failed = None
        try:
            client.execute()
        except CellExecutionError as e:
            failed = e
        internal = kernel_internal_error(failed)
        if internal is None or attempt == ATTEMPTS:
            break
        print(f"run_notebook: {name}: the tslab kernel failed internally ({internal}), not the notebook's code; "
              f"executing it again in a fresh kernel (attempt {attempt + 1} of {ATTEMPTS})", file=sys.stderr, flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    tmp = f"{a.output}.{os.getpid()}.tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, a.output)
    if failed is not None:
        lines = [l for l in str(failed).splitlines() if l.strip()]
        tail = "\n".join(lines[-12:])
        print(f"run_notebook: {name} failed after {time.time() - t0:.1f}s (executed copy: {a.output}):\n{tail}", file=sys.stderr)
        return 1
    print(f"run_notebook: {name} done in {time.time() - t0:.1f}s -> {a.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
