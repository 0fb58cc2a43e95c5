#!/usr/bin/env bash
# Compares the decode speed of two builds of spark-llama on this noisy shared VM by running them
# at the same time, one thread each, each pinned to its own core (the cores swap every round),
# so both see the same host load and the same memory traffic. Prints one line per round and the
# median ratio B/A on stdout; the two builds' own output goes to target/bench-results/ab-*.log.
#   scripts/bench-ab.sh DIR_A DIR_B [--rounds 8] [--model target/bench-models/stories110M-q8_0.gguf]
#                       [--batch 1] [--prompt-tokens 8] [--gen-tokens 128]
# DIR_A and DIR_B are checkouts (e.g. a `git worktree` of the parent commit and this one); each
# is built by its own scripts/llama when its jar is missing. A relative --model is resolved
# against the directory this script is run from.
# Check the method with DIR_A = DIR_B first: on this VM two A/A runs gave medians of 0.97 and 1.005
# and single rounds of 0.71-1.06, so take 6 rounds or more and trust only medians well outside
# 0.95-1.05.
# One thread per build measures a kernel's efficiency with the other core also streaming
# memory; it does not measure the thread pool.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 2 ]; then
  sed -n '2,15p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
dir_a="$(cd "$1" && pwd)"
dir_b="$(cd "$2" && pwd)"
shift 2
rounds=8
model="$root/target/bench-models/stories110M-q8_0.gguf"
batch=1
prompt=8
gen=128
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --model) model="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --prompt-tokens) prompt="$2"; shift 2 ;;
    --gen-tokens) gen="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$model" ] || { echo "no model file $model (scripts/bench-models.sh writes them)" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "needs two cores" >&2; exit 2; }
out="$root/target/bench-results"
mkdir -p "$out"
# build both jars first, one after the other: two builds in one directory at once would collide
for dir in "$dir_a" "$dir_b"; do
  (source "$dir/scripts/lib/java.sh" && ensure_jar "$(find_java)")
done

# decode tok/s of one build, one thread on core $2 ("failed" when its bench gave no result)
decode_rate() {
  (cd "$1" && taskset -c "$2" scripts/llama bench --model "$model" --batch "$batch" --threads 1 \
      --prompt-tokens "$prompt" --gen-tokens "$gen" 2>>"$out/ab-$3.log") \
    | python3 -c 'import sys, json; print(json.loads(sys.stdin.readline())["decode_tok_s"])' 2>/dev/null \
    || echo failed
}

for ((i = 1; i <= rounds; i++)); do
  core_a=$(( i % 2 )); core_b=$(( 1 - core_a ))
  decode_rate "$dir_a" "$core_a" a > "$out/ab-a.rate" &
  decode_rate "$dir_b" "$core_b" b > "$out/ab-b.rate" &
  wait
  echo "$(cat "$out/ab-a.rate") $(cat "$out/ab-b.rate")"
done | python3 -c '
import statistics, sys
ratios = []
for line in sys.stdin:
    if "failed" in line:
        sys.exit("a bench run failed (A B: %s); see target/bench-results/ab-a.log and ab-b.log" % line.strip())
    a, b = map(float, line.split())
    ratios.append(b / a)
    print("A %.1f  B %.1f  B/A %.3f" % (a, b, b / a), flush=True)
print("median B/A %.3f over %d rounds (min %.3f, max %.3f)"
      % (statistics.median(ratios), len(ratios), min(ratios), max(ratios)))'
