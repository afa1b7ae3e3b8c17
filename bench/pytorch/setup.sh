#!/usr/bin/env bash
# Bench-only PyTorch environment: creates bench/.venv-torch and installs the pinned torch from
# bench/pytorch/requirements.txt. Idempotent: when the venv matches requirements.txt (a stamp
# holds their hash) it exits at once. Never run by `npm run repro` or `npm test`; bench/snn-step.ts
# runs it when it needs PyTorch. Usage: bash bench/pytorch/setup.sh
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="$(dirname "$here")"
venv="$bench/.venv-torch"
req="$here/requirements.txt"
stamp="$venv/.spikelens-installed"
log="$bench/.venv-torch.log"

fail() { echo "bench/pytorch/setup.sh: $*" >&2; exit 1; }

command -v python3 >/dev/null 2>&1 || fail "python3 not found; the PyTorch bench needs Python 3.10+"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || fail "python3 is $(python3 -V 2>&1 | cut -d' ' -f2); the PyTorch bench needs 3.10+"

want="$( (sha256sum "$req" | cut -d' ' -f1; python3 -V) 2>&1 | tr '\n' ' ')"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]]; then
  exit 0
fi

echo "bench/pytorch/setup.sh: installing PyTorch into bench/.venv-torch (about 5.4 GB, a few minutes; log: bench/.venv-torch.log)" >&2
start=$SECONDS
rm -f "$stamp"
: >"$log"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv" >>"$log" 2>&1 \
    || fail "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv); see bench/.venv-torch.log"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check -r "$req" >>"$log" 2>&1 \
  || fail "pip install of torch failed: $(grep -m1 -E 'ERROR|error:' "$log" || tail -n1 "$log"); see bench/.venv-torch.log"
version="$("$venv/bin/python" -c 'import torch; print(torch.__version__)' 2>>"$log")" \
  || fail "torch installed but 'import torch' fails; see bench/.venv-torch.log"
echo "$want" >"$stamp"
echo "bench/pytorch/setup.sh: torch $version ready in bench/.venv-torch ($(du -sh "$venv" | cut -f1), $((SECONDS - start)) s)" >&2
