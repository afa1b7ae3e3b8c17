#!/usr/bin/env bash
# spikelens setup: idempotent, needs no root, shared by both README commands.
#   npm packages (npm ci, from package-lock.json)
#   .venv/ with the pinned Python tools (requirements.txt: DVC, JupyterLab, nbclient, nbconvert)
#   the project's tslab kernel registered into .venv (not into your home)
#   DVC initialised if needed
#   the native TensorFlow backend built from PyPI's wheel (scripts/setup-native.sh;
#   SPIKELENS_NATIVE=0 skips it, =gpu builds tfjs-node-gpu); on failure it stays on wasm
# Each step is skipped when the stamp of its inputs is unchanged, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

# -- tools we need
command -v node >/dev/null 2>&1 || die "Node.js is not installed; spikelens needs Node 20 or newer"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node $(node --version) is too old; spikelens needs Node 20 or newer"
command -v npm >/dev/null 2>&1 || die "npm is not installed (it ships with Node.js 20+)"
py=${PYTHON:-python3}
command -v "$py" >/dev/null 2>&1 || die "Python 3 is not installed; spikelens needs Python 3.10 or newer (set PYTHON=/path/to/python3 to choose one)"
"$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "$("$py" --version 2>&1) is too old; spikelens needs Python 3.10 or newer (set PYTHON=/path/to/python3)"
"$py" -c 'import venv, ensurepip' 2>/dev/null \
  || die "$py lacks the venv module (on Debian/Ubuntu: apt-get install python3-venv)"

# -- npm packages
npm_stamp=node_modules/.spikelens-stamp
want=$(hash_of package.json package-lock.json)
if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$want" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$npm_stamp"
else
  say "npm packages up to date"
fi

# -- Python venv with DVC and Jupyter
venv_stamp=.venv/.spikelens-stamp
want=$(hash_of requirements.txt)
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $("$py" --version 2>&1)"
  "$py" -m venv .venv
fi
if [ "$(cat "$venv_stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python tools into .venv (DVC, JupyterLab, nbclient, nbconvert; pinned in requirements.txt)"
  .venv/bin/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
  echo "$want" > "$venv_stamp"
else
  say "Python tools up to date"
fi

# -- the project's tslab kernel, inside the venv (jupyter in .venv finds it under sys.prefix)
kernel=.venv/share/jupyter/kernels/tslab/kernel.json
if ! grep -q "$root/scripts/tslab-kernel.sh" "$kernel" 2>/dev/null; then
  say "registering the tslab TypeScript kernel into .venv"
  node_modules/.bin/tslab install --python="$root/.venv/bin/python" \
    --binary="$root/scripts/tslab-kernel.sh" --prefix="$root/.venv" >/dev/null
  grep -q "$root/scripts/tslab-kernel.sh" "$kernel" || die "tslab kernel registration did not write $kernel"
else
  say "tslab kernel registered"
fi

# -- DVC
if [ ! -d .dvc ]; then
  say "initialising DVC"
  if git rev-parse --git-dir >/dev/null 2>&1; then .venv/bin/dvc init --quiet; else .venv/bin/dvc init --no-scm --quiet; fi
fi

# -- native TensorFlow backend (5-9x faster than wasm here, bench/results/backend.json); never fails the setup
bash scripts/setup-native.sh
say "ready"
