#!/usr/bin/env bash
# Peer benchmark: llama.cpp through node-llama-cpp's prebuilt CPU libraries (npm
# @node-llama-cpp/linux-x64, llama.cpp release v0.5.0), driven by the small C harness
# scripts/peer/llamacpp-bench.c. On first use it fetches the npm packages with `npm pack` into
# target/peer/node-llama-cpp/ (never committed): the shipped .so files, and the llama.cpp sources of
# the same release (node-llama-cpp's llama/gitRelease.bundle) for llama.h; then compiles the harness.
#   scripts/peer/llamacpp.sh single   MODEL [--threads N] [-n 256] [--n0 32] [--reps R] [--flash-attn on|off|auto]
#   scripts/peer/llamacpp.sh parallel MODEL --np B [-n 128] [--prompt 8] [--threads N] [--reps R] ...
#   scripts/peer/llamacpp.sh prefill  MODEL [--tokens 128] [--threads N] [--reps R] ...
#   scripts/peer/llamacpp.sh info               the release and the CPU variant that ggml loads
#   scripts/peer/llamacpp.sh setup              install and build only; prints the library folder
#   scripts/peer/llamacpp.sh llama-bench ARGS   llama.cpp's own llama-bench, built against the same libraries
#   scripts/peer/llamacpp.sh crosscheck MODEL [--threads N] [-n 128] [--tokens 128] [--reps 5] [--rounds 3]
#                                               the harness against llama-bench (tg and pp) on the same
#                                               libraries, back to back; prints both rates, the ratios
#                                               and the difference in microseconds per llama_decode
#   scripts/peer/llamacpp.sh native-llama-bench ARGS   llama-bench built from the same sources with
#                                               cmake -DGGML_NATIVE=ON (OpenMP, CPU only); the first
#                                               call builds it (about 5 min on an idle 2-core machine)
# Results: one JSON line per result on stdout; notes on stderr. Options of the modes: see the
# harness's header comment. NLC_VERSION picks another node-llama-cpp version (default 3.22.1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="${NLC_VERSION:-3.22.1}"
dir="$root/target/peer/node-llama-cpp"
bins="$dir/bins"
src="$dir/llama.cpp"

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "the prebuilt libraries are for Linux x86-64 only" >&2; exit 1; }

install() {
  if [ ! -f "$bins/.complete-$version" ]; then
    echo "fetching @node-llama-cpp/linux-x64@$version (npm) into $dir" >&2
    rm -rf "$bins" "$dir/download"
    mkdir -p "$dir/download"
    (cd "$dir/download" && npm pack --silent "@node-llama-cpp/linux-x64@$version" >/dev/null)
    tar xzf "$dir/download/node-llama-cpp-linux-x64-$version.tgz" -C "$dir/download"
    mv "$dir/download/package/bins/linux-x64" "$bins"
    rm -rf "$dir/download"
    touch "$bins/.complete-$version"
  fi
  if [ ! -f "$src/.complete-$version" ]; then
    echo "fetching node-llama-cpp@$version (npm) for the llama.cpp sources of its release" >&2
    rm -rf "$src" "$dir/download"
    mkdir -p "$dir/download"
    (cd "$dir/download" && npm pack --silent "node-llama-cpp@$version" >/dev/null)
    tar xzf "$dir/download/node-llama-cpp-$version.tgz" -C "$dir/download" \
      package/llama/gitRelease.bundle package/llama/llama.cpp.info.json
    git clone --quiet "$dir/download/package/llama/gitRelease.bundle" "$src" 2>/dev/null
    cp "$dir/download/package/llama/llama.cpp.info.json" "$src/.nlc-info.json"
    rm -rf "$dir/download"
    touch "$src/.complete-$version"
  fi
  local shipped bundled
  shipped="$(sed -n 's/.*"release":"\([^"]*\)".*/\1/p' "$bins/_nlcBuildMetadata.json")"
  bundled="$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$src/.nlc-info.json")"
  if [ "$shipped" != "$bundled" ]; then
    echo "error: the libraries are llama.cpp $shipped but the bundled sources are $bundled" >&2
    exit 1
  fi
  release="$shipped ($(git -C "$src" rev-parse --short=7 HEAD))"
  libllama="$(cd "$bins" && ls libllama.v*.so | head -n1)"
  libggml="$(cd "$bins" && ls libggml.v*.so | head -n1)"
  local harness="$bins/llamacpp-bench" c="$root/scripts/peer/llamacpp-bench.c"
  if [ ! -x "$harness" ] || [ "$c" -nt "$harness" ]; then
    echo "compiling $harness" >&2
    # Beside the libraries, found through $ORIGIN: ggml looks for its CPU variants there too.
    gcc -O2 -std=gnu11 -Wall -Wextra -I"$src/include" -I"$src/ggml/include" -o "$harness" "$c" \
      -L"$bins" -l:"$libllama" -l:"$libggml" -lggml-base -ldl -Wl,-rpath,'$ORIGIN'
  fi
}

llama_bench() {
  local exe="$bins/llama-bench" t="$src/tools/llama-bench"
  if [ ! -x "$exe" ]; then
    echo "compiling llama.cpp's llama-bench against the shipped libraries (about a minute)" >&2
    g++ -O2 -std=c++17 -DNDEBUG -I"$src/include" -I"$src/ggml/include" -I"$src/common" -I"$src/vendor" \
      -o "$exe" "$t/llama-bench.cpp" "$t/main.cpp" \
      -L"$bins" -lllama-common -l:"$libllama" -l:"$libggml" -lggml-base -Wl,-rpath,'$ORIGIN'
  fi
  "$exe" "$@"
}

native_llama_bench() {
  local build="$dir/native-build"
  if [ ! -x "$build/bin/llama-bench" ]; then
    echo "building llama.cpp $release natively in $build (cmake, GGML_NATIVE=ON; about 5 min on 2 idle cores)" >&2
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >&2
    cmake --build "$build" -j "$(nproc)" --target llama-bench llama-batched-bench >&2
  fi
  "$build/bin/llama-bench" "$@"
}

# The harness against llama-bench on the same file and libraries, alternating, --rounds times:
# single stream (-n tokens from position 0, llama-bench's tg) and prefill (--tokens, its pp).
crosscheck() {
  local model="$1" threads n=128 tokens=128 reps=5 rounds=3
  threads="$(nproc)"
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --threads) threads="$2"; shift 2 ;;
      -n) n="$2"; shift 2 ;;
      --tokens) tokens="$2"; shift 2 ;;
      --reps) reps="$2"; shift 2 ;;
      --rounds) rounds="$2"; shift 2 ;;
      *) echo "unknown option $1" >&2; exit 2 ;;
    esac
  done
  local i tg pp theirs
  for ((i = 1; i <= rounds; i++)); do
    tg="$("$bins/llamacpp-bench" single "$model" --threads "$threads" -n "$n" --n0 0 --reps "$reps" \
          --release "$release" 2>/dev/null)"
    pp="$("$bins/llamacpp-bench" prefill "$model" --threads "$threads" --tokens "$tokens" --reps "$reps" \
          --release "$release" 2>/dev/null)"
    theirs="$(llama_bench -m "$model" -t "$threads" -p "$tokens" -n "$n" -r "$reps" -o jsonl 2>/dev/null)"
    python3 - "$tg" "$pp" "$theirs" "$i" <<'EOF'
import json, statistics, sys
tg, pp = json.loads(sys.argv[1]), json.loads(sys.argv[2])
lb = [json.loads(l) for l in sys.argv[3].splitlines() if l.strip()]
for test, ours, key in (("tg", tg, "decode_tok_s"), ("pp", pp, "prefill_tok_s")):
    theirs = next(t for t in lb if (t["n_gen"] > 0) == (test == "tg"))
    b, mb = max(theirs["samples_ts"]), statistics.median(theirs["samples_ts"])
    a, ma = ours[key], ours[key + "_median"]
    per = 1 if test == "tg" else ours["prompt_tokens"]  # tokens per llama_decode
    print(json.dumps({"round": int(sys.argv[4]), "test": test + str(theirs["n_gen"] or theirs["n_prompt"]),
                      "model": ours["model"], "threads": ours["threads"],
                      "harness_tok_s": a, "harness_tok_s_median": ma,
                      "llama_bench_tok_s": round(b, 2), "llama_bench_tok_s_median": round(mb, 2),
                      "ratio_best": round(a / b, 3), "ratio_median": round(ma / mb, 3),
                      "us_per_decode_diff_median": round(per * (1e6 / ma - 1e6 / mb), 1),
                      "harness_us_per_step": ours["harness_us_per_step"]}))
EOF
  done
}

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" >&2; exit 2; }
mode="${1:-}"
[ -n "$mode" ] || usage
shift
install
case "$mode" in
  setup) echo "$bins" ;;
  single|parallel|prefill|info) exec "$bins/llamacpp-bench" "$mode" "$@" --release "$release" ;;
  llama-bench) llama_bench "$@" ;;
  native-llama-bench) native_llama_bench "$@" ;;
  crosscheck) crosscheck "$@" ;;
  *) echo "unknown mode $mode" >&2; usage ;;
esac
