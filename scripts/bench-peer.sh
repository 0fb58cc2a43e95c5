#!/usr/bin/env bash
# Measures spark-llama and llama.cpp (java-llama.cpp, ../shared/tools/peers) side by side on the
# same GGUF files and thread count, and prints a markdown table on stdout (JSON lines of both
# tools go to target/bench-results/).
#   scripts/bench-peer.sh [--models stories15M-f32,stories110M-q8_0] [--batch 1,8,32] [--threads 2]
#                         [--gen-tokens 128] [--reps 3] [--prefill-tokens 128]
# --batch "" leaves the decode table out.
# --gen-tokens sets the tokens per sequence of the batched runs (shorter for big models).
# --prefill-tokens adds a second table: one prompt of that many tokens, prefill tok/s of both
# (0 leaves it out).
# Models are written by scripts/bench-models.sh into target/bench-models when missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/java.sh"
shared="${SHARED_DIR:-$root/../shared}"
models="stories15M-f32,stories15M-q8_0,stories110M-f32,stories110M-q8_0"
batches="1"
threads="$(nproc)"
gen=128
reps=3
prefill_tokens=128
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --batch) batches="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --gen-tokens) gen="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --prefill-tokens) prefill_tokens="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
java_bin="$(find_java)"
out="$root/target/bench-results"
mkdir -p "$out"
IFS=, read -r -a model_list <<< "$models"
IFS=, read -r -a batch_list <<< "$batches"
model_dir="$("$root/scripts/bench-models.sh" "$root/target/bench-models" "${model_list[@]}")"

peer_dir="$root/target/peer/jllama"
peer_jar="$peer_dir/target/jllama-bench.jar"
if [ ! -f "$peer_jar" ]; then
  echo "building the java-llama.cpp harness in $peer_dir" >&2
  mkdir -p "$(dirname "$peer_dir")"
  rm -rf "$peer_dir"
  cp -r "$shared/tools/peers/jllama" "$peer_dir"
  chmod -R u+w "$peer_dir"
  (cd "$peer_dir" && JAVA_HOME="$(java_home_of "$java_bin")" mvn -q -B -Dstyle.color=never package >&2)
fi
peer() {
  "$java_bin" -Dde.kherud.llama.tmpdir="$root/target/peer/native" -jar "$peer_jar" "$@" 2>>"$out/peer.log" | grep '^RESULT' || true
}

# Single stream: decode positions 32..256 for both (the peer's differential method over n0=32, n=256).
# Batches: short prompts (8 tokens here, ~6 in the peer's requests) and --gen-tokens new tokens
# per sequence; the peer's differential rate (n0=16) leaves out its prompt processing. Both
# report the best of --reps repetitions.
if [ ${#batch_list[@]} -gt 0 ]; then
echo "| model | batch | threads | spark-llama decode tok/s | llama.cpp decode tok/s | ratio | spark-llama prefill tok/s | ms/step |"
echo "|---|---|---|---|---|---|---|---|"
for m in "${model_list[@]}"; do
  file="$model_dir/$m.gguf"
  for b in "${batch_list[@]}"; do
    if [ "$b" = 1 ]; then
      ours="$("$root/scripts/llama" bench --model "$file" --batch 1 --threads "$threads" --reps "$reps" \
              --prompt-tokens 32 --gen-tokens 224 2>>"$out/ours.log")"
      r="$(peer single "$file" --threads "$threads" -n 256 --n0 32 --reps "$reps")"
      theirs="$(echo "$r" | sed -n 's/.*decode_tok_s=\([0-9.]*\).*/\1/p')"
    else
      ours="$("$root/scripts/llama" bench --model "$file" --batch "$b" --threads "$threads" --reps "$reps" \
              --prompt-tokens 8 --gen-tokens "$gen" 2>>"$out/ours.log")"
      r="$(peer parallel "$file" --threads "$threads" --np "$b" -n "$gen" --n0 16 --reps "$reps" --ctx-per-seq 256)"
      theirs="$(echo "$r" | sed -n 's/.*differential_tok_s=\([0-9.]*\).*/\1/p')"
    fi
    echo "$ours" >> "$out/ours.jsonl"
    echo "$r" >> "$out/peer.results"
    decode="$(echo "$ours" | sed 's/.*"decode_tok_s":\([0-9.]*\).*/\1/')"
    prefill="$(echo "$ours" | sed 's/.*"prefill_tok_s":\([0-9.]*\).*/\1/')"
    step="$(echo "$ours" | sed 's/.*"ms_per_step":\([0-9.]*\).*/\1/')"
    ratio="$(awk -v a="$decode" -v b="$theirs" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
    echo "| $m | $b | $threads | $decode | ${theirs:--} | $ratio | $prefill | $step |"
  done
done
fi

# Prefill: one prompt of --prefill-tokens tokens. Ours: the bench's prefill rate (chunks of 64
# tokens per step; at least 5 repetitions, as a 128-token prompt alone is a short warm-up). The
# peer: llama.cpp's own "prompt eval" rate for a greedy request of 1 new token after the prompt,
# one request per process. Best of the repetitions for both.
peer_prefill_rate() {
  "$java_bin" -Dde.kherud.llama.tmpdir="$root/target/peer/native" -jar "$peer_jar" generate "$1" \
      --threads "$threads" -n 1 --ignore-eos --prompt-ids "$2" 2>&1 >/dev/null \
    | sed -n 's/.*prompt eval time = .* \([0-9.]*\) tokens per second.*/\1/p' | tail -1
}
if [ "$prefill_tokens" -gt 1 ]; then
  ids="1,$(seq -s, 100 $((98 + prefill_tokens)))"
  echo
  echo "| model | prompt tokens | threads | spark-llama prefill tok/s | llama.cpp prefill tok/s | ratio |"
  echo "|---|---|---|---|---|---|"
  for m in "${model_list[@]}"; do
    file="$model_dir/$m.gguf"
    ours="$("$root/scripts/llama" bench --model "$file" --batch 1 --threads "$threads" \
            --reps "$((reps < 5 ? 5 : reps))" --prompt-tokens "$prefill_tokens" --gen-tokens 16 2>>"$out/ours.log")"
    echo "$ours" >> "$out/ours.jsonl"
    prefill="$(echo "$ours" | sed 's/.*"prefill_tok_s":\([0-9.]*\).*/\1/')"
    theirs=""
    for ((i = 0; i < reps; i++)); do
      r="$(peer_prefill_rate "$file" "$ids")"
      echo "RESULT prefill model=$m threads=$threads prompt_tokens=$prefill_tokens prompt_eval_tok_s=$r" >> "$out/peer.results"
      theirs="$(awk -v r="$r" -v best="$theirs" 'BEGIN { if (best == "" || r + 0 > best + 0) print r; else print best }')"
    done
    ratio="$(awk -v a="$prefill" -v b="$theirs" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
    echo "| $m | $prefill_tokens | $threads | $prefill | ${theirs:--} | $ratio |"
  done
fi
