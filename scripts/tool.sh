#!/usr/bin/env bash
# Runs one of the project's installed tools for a pipeline stage:
#   scripts/tool.sh tsx <file.ts> [args…]      the pinned tsx from node_modules
#   scripts/tool.sh python <file.py> [args…]   .venv's Python (DVC, Jupyter, nbclient)
# DVC runs `dvc exp run --temp` and queued experiments (`dvc queue start`) in copies of the
# repository under .dvc/tmp/exps/ that lack the git-ignored node_modules/ and .venv/. The tool is
# therefore taken from the nearest folder at or above the working directory that has it (for a
# temporary workspace: the checkout it was made from). Node resolves packages the same way.
set -euo pipefail
tool=${1:-}
case "$tool" in
  tsx) rel=node_modules/.bin/tsx ;;
  python) rel=.venv/bin/python ;;
  *) echo "tool.sh: unknown tool '$tool'; expected tsx or python" >&2; exit 2 ;;
esac
shift
dir=$PWD
while [ ! -x "$dir/$rel" ]; do
  if [ "$dir" = / ]; then
    echo "tool.sh: no $rel in $PWD or any folder above it; run 'bash scripts/setup.sh' (or either README command) in the project first" >&2
    exit 127
  fi
  dir=$(dirname "$dir")
done
exec "$dir/$rel" "$@"
