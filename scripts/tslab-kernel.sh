#!/usr/bin/env bash
# The project's TypeScript kernel: tslab, started in the spikelens project root. tslab compiles
# cells with rootDir = its working directory, so from notebooks/ it could not import ../lib; from
# the root, notebooks import './lib/index' and read params.yaml, data/ and reports/ with the same
# relative paths as the pipeline stages.
#
# Jupyter starts kernels in the notebook's folder: walk up from there to the nearest spikelens
# checkout (so a copy of the project uses its own files), else use the one this script is in.
here=$(cd "$(dirname "$0")/.." && pwd)
root=$PWD
while [ "$root" != "/" ] && ! { [ -f "$root/params.yaml" ] && [ -f "$root/lib/index.ts" ]; }; do root=$(dirname "$root"); done
[ -f "$root/params.yaml" ] && [ -f "$root/lib/index.ts" ] || root=$here
cd "$root" || exit 1
tslab="$root/node_modules/.bin/tslab"
[ -x "$tslab" ] || tslab="$here/node_modules/.bin/tslab"
exec "$tslab" "$@"
