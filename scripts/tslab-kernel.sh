#!/usr/bin/env bash
# The project's TypeScript kernel: tslab, started in the project root whatever folder the
# notebook sits in. tslab compiles cells with rootDir = its working directory, so from
# notebooks/ it could not import ../lib; from the root, notebooks import './lib' and read
# params.yaml, data/ and reports/ with the same relative paths as the CLI stages.
cd "$(dirname "$0")/.." || exit 1
exec node_modules/.bin/tslab "$@"
