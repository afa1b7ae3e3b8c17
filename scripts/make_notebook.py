#!/usr/bin/env python3
"""Write a TypeScript notebook (tslab kernel) from a plain .ts source with `// %%` cell markers.

Usage: make_notebook.py SOURCE.ts NOTEBOOK.ipynb

Lines starting with `// %% md` begin a markdown cell whose lines are `// `-prefixed; `// %%`
begins a code cell. Keeping notebook sources as .ts makes diffs and reviews readable; the
.ipynb files are what users open in JupyterLab.
"""
import json
import sys


def cells_from(text: str):
    cells, kind, buf = [], None, []

    def flush():
        if kind is None:
            return
        body = "\n".join(buf).strip("\n")
        if kind == "markdown":
            body = "\n".join(l[3:] if l.startswith("// ") else l.lstrip("/") for l in body.splitlines())
        if body.strip():
            src = body.splitlines(keepends=True)
            cell = {"cell_type": kind, "metadata": {}, "source": src}
            if kind == "code":
                cell.update(execution_count=None, outputs=[])
            cells.append(cell)

    for line in text.splitlines():
        if line.startswith("// %%"):
            flush()
            kind, buf = ("markdown" if line.strip() == "// %% md" else "code"), []
        elif kind is not None:
            buf.append(line)
    flush()
    return cells


def main() -> int:
    src, out = sys.argv[1], sys.argv[2]
    nb = {
        "cells": cells_from(open(src, encoding="utf8").read()),
        "metadata": {
            "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
            "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"cell-{i:02d}"
    with open(out, "w", encoding="utf8") as f:
        json.dump(nb, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
