#!/usr/bin/env bash
# Native TensorFlow backend for spikelens, built with no download outside the package registries.
#
# @tensorflow/tfjs-node's own install script downloads libtensorflow from outside the registries,
# which fails here (npm then drops the optional package). PyPI's TensorFlow wheels ship the same
# C/eager API in libtensorflow_cc.so.2 + libtensorflow_framework.so.2, with the C headers, so:
#   1. take those libraries and headers out of the pinned wheel (cached in .spikelens/native/),
#   2. install the tfjs-node package without its install script,
#   3. build its N-API addon with node-gyp against them and the local Node headers,
#   4. compile spikelens's fused LIF/BNTT kernels (lib/kernels/native/spikelens_ops.cc) against the
#      wheel's C++ headers, into the package's deps/ beside the addon, named by a hash of the source
#      (lib/kernels/native.ts loads the build that matches the source; an edit rebuilds it).
# The addon's RUNPATH ($ORIGIN/../../deps/lib, set by the package's binding.gyp) finds the
# libraries without LD_LIBRARY_PATH. Any failure leaves the project on wasm and says why.
#
#   SPIKELENS_NATIVE=cpu  (default in setup.sh) tfjs-node     + wheel tensorflow-cpu
#   SPIKELENS_NATIVE=gpu                        tfjs-node-gpu + wheel tensorflow (needs CUDA 11.8
#                                               and cuDNN 8.6 libraries on the machine, see README)
#   SPIKELENS_NATIVE=0                          skip (wasm)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${SPIKELENS_NATIVE:-cpu}
TF_VERSION=2.12.1          # oldest wheel for Python 3.11; exports every TF_*/TFE_* symbol the binding calls
TFJS_VERSION=4.22.0        # must match @tensorflow/tfjs in package.json
say() { printf 'setup-native: %s\n' "$*" >&2; }
giveup() { say "native TensorFlow backend unavailable: $*; spikelens stays on wasm (set SPIKELENS_NATIVE=0 to skip this step)"; exit 0; }

case "$mode" in
  0|off|no) exit 0 ;;
  cpu|1) pkg=tfjs-node; wheel=tensorflow-cpu ;;
  gpu) pkg=tfjs-node-gpu; wheel=tensorflow ;;
  *) say "unknown SPIKELENS_NATIVE=$mode (expected cpu, gpu or 0)"; exit 1 ;;
esac
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || giveup "only Linux x86_64 wheels are wired up"

addon="node_modules/@tensorflow/$pkg/lib/napi-v8/tfjs_binding.node"
cache="$root/.spikelens/native/$wheel-$TF_VERSION"
ops_src="lib/kernels/native/spikelens_ops.cc"
ops_name="spikelens_ops-$(sha256sum "$ops_src" | cut -c1-12).node"
ops="node_modules/@tensorflow/$pkg/deps/$ops_name"

# 4. the fused kernels (needs the cache's C++ headers and the addon's deps/ folder)
build_ops() {
  [ -f "$ops" ] && return 0
  local nodedir log="$root/.spikelens/native/build-ops.log"
  nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  say "compiling the fused LIF/BNTT kernels ($ops_src, ~15 s)"
  rm -f "node_modules/@tensorflow/$pkg/deps"/spikelens_ops-*.node
  # -march=native: built on the machine that runs it; -ffp-contract=off keeps float32 results
  # equal to tfjs's separate multiply and add; -fno-trapping-math lets compare-and-select vectorise.
  if g++ -std=c++17 -shared -fPIC -O3 -march=native -ffp-contract=off -fno-trapping-math \
      -DNODE_GYP_MODULE_NAME=spikelens_ops -D_GLIBCXX_USE_CXX11_ABI=1 -DEIGEN_MAX_ALIGN_BYTES=64 \
      -I"$cache/include" -I"$nodedir/include/node" "$ops_src" -o "$ops.tmp" \
      -L"$cache/lib" -l:libtensorflow_framework.so.2 '-Wl,-rpath,$ORIGIN/lib' >"$log" 2>&1; then
    mv "$ops.tmp" "$ops"
    say "fused kernels ready ($ops_name)"
  else
    rm -f "$ops.tmp"
    say "the fused kernels did not compile (log: $log); spikelens runs its slower tfjs ops instead"
  fi
}

# The cache holds the wheel's libraries and every header (the C API for the addon, the C++ framework
# headers for the fused kernels); .complete-v3 marks one extracted with both.
cache_ready() { [ -f "$cache/.complete-v3" ]; }
if [ -f "$addon" ] && cache_ready && node -e "require('@tensorflow/$pkg')" >/dev/null 2>&1; then
  build_ops
  say "native backend ready (@tensorflow/$pkg against $wheel $TF_VERSION)"
  exit 0
fi

# 1. libraries and headers from the wheel, once per machine checkout
if ! cache_ready; then
  say "fetching the $wheel $TF_VERSION wheel from PyPI for its TensorFlow C libraries (~230 MB, once)"
  rm -rf "$cache" && mkdir -p "$cache/wheel" || giveup "cannot create $cache"
  .venv/bin/python -m pip download --disable-pip-version-check --quiet --no-deps --only-binary=:all: \
    --python-version 3.11 --platform manylinux2014_x86_64 "$wheel==$TF_VERSION" -d "$cache/wheel" \
    || giveup "pip could not download $wheel==$TF_VERSION"
  say "extracting libtensorflow_cc, libtensorflow_framework and the headers"
  .venv/bin/python - "$cache" <<'PY' || giveup "could not extract the libraries from the wheel"
import glob, os, shutil, sys, zipfile
cache = sys.argv[1]
whl = glob.glob(os.path.join(cache, "wheel", "*.whl"))[0]
libs = {"tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2"}
# Every header: the C API the addon uses and the C++ framework (with Eigen, absl, protobuf) the
# fused kernels compile against.
HEADERS = ("tensorflow/include/",)
with zipfile.ZipFile(whl) as z:
    for m in z.infolist():
        n = m.filename
        if n in libs:
            dst = os.path.join(cache, "lib", os.path.basename(n))
        elif n.startswith(HEADERS) and not n.endswith("/"):  # .h, .inc and extension-less Eigen headers
            dst = os.path.join(cache, "include", n[len("tensorflow/include/"):])
        else:
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with z.open(m) as src, open(dst, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        if dst.endswith(".so.2"):
            os.chmod(dst, 0o755)
missing = [l for l in libs if not os.path.exists(os.path.join(cache, "lib", os.path.basename(l)))]
if missing:
    sys.exit(f"wheel lacks {missing}")
PY
  rm -rf "$cache/wheel"
  # The binding links -ltensorflow -ltensorflow_framework; the sonames it then records are the
  # wheel's own (libtensorflow_cc.so.2, libtensorflow_framework.so.2).
  ln -sf libtensorflow_cc.so.2 "$cache/lib/libtensorflow.so"
  ln -sf libtensorflow_cc.so.2 "$cache/lib/libtensorflow.so.2"
  ln -sf libtensorflow_framework.so.2 "$cache/lib/libtensorflow_framework.so"
  touch "$cache/.complete-v3"
fi

# 2. the package, without its downloading install script
if [ ! -f "node_modules/@tensorflow/$pkg/binding.gyp" ]; then
  say "installing @tensorflow/$pkg@$TFJS_VERSION without its install script"
  npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "@tensorflow/$pkg@$TFJS_VERSION" >/dev/null \
    || giveup "npm could not install @tensorflow/$pkg@$TFJS_VERSION"
fi
pkgdir="$root/node_modules/@tensorflow/$pkg"
rm -rf "$pkgdir/deps" && mkdir -p "$pkgdir/deps"
ln -s "$cache/lib" "$pkgdir/deps/lib"
ln -s "$cache/include" "$pkgdir/deps/include"

# 3. build the addon against the local Node headers (node-gyp would otherwise download them)
nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$nodedir/include/node/node_api.h" ] || giveup "no Node headers under $nodedir/include/node (install the nodejs dev headers)"
command -v g++ >/dev/null && command -v make >/dev/null || giveup "g++ and make are needed to build the addon"
say "building the @tensorflow/$pkg addon with node-gyp (~30 s)"
log="$root/.spikelens/native/build-$pkg.log"
( cd "$pkgdir" && PATH="$root/node_modules/.bin:$PATH" npm_config_nodedir="$nodedir" \
    "$root/node_modules/.bin/node-pre-gyp" rebuild --nodedir="$nodedir" ) >"$log" 2>&1 \
  || giveup "the addon build failed (log: $log)"
TF_CPP_MIN_LOG_LEVEL=2 node -e "require('@tensorflow/$pkg')" >/dev/null 2>>"$log" \
  || giveup "the built addon does not load (log: $log)"
build_ops
say "native backend ready (@tensorflow/$pkg against $wheel $TF_VERSION)"
