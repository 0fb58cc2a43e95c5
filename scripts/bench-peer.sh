#!/usr/bin/env bash
# Measures spark-llama and llama.cpp side by side on the same GGUF files and thread count, and prints
# markdown tables on stdout, after lines naming the machine, the JDK and the peer (the raw results
# of both tools go to target/bench-results/).
#   scripts/bench-peer.sh [--peer llamacpp|jllama] [--models stories15M-f32,stories110M-q8_0]
#                         [--batch 1,8,32] [--threads 2] [--gen-tokens 128] [--reps 3]
#                         [--prefill-tokens 128] [--flash-attn auto|on|off|best]
# --peer llamacpp (default): llama.cpp release v0.5.0, the prebuilt CPU libraries of npm
#   @node-llama-cpp/linux-x64@3.22.1 driven by a small C harness (scripts/peer/llamacpp.sh;
#   installed into target/peer/ on first use). --peer jllama: the older java-llama.cpp harness
#   (llama.cpp b4916, ../shared/tools/peers/jllama).
# --flash-attn (llamacpp peer): llama.cpp's flash attention; best measures on and off and keeps the
#   faster of the two for each row (the table names the one kept). Default auto (llama.cpp's own).
# --batch "" leaves the decode table out.
# --gen-tokens sets the tokens per sequence of the batched runs (shorter for big models).
# --prefill-tokens adds a second table: one prompt of that many tokens, prefill tok/s of both
# (0 leaves it out).
# Models are written by scripts/bench-models.sh into target/bench-models when missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/java.sh"
shared="${SHARED_DIR:-$root/../shared}"
peer_kind=llamacpp
models="stories15M-f32,stories15M-q8_0,stories110M-f32,stories110M-q8_0"
batches="1"
threads="$(nproc)"
gen=128
reps=3
prefill_tokens=128
flash_attn=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --peer) peer_kind="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --batch) batches="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --gen-tokens) gen="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --prefill-tokens) prefill_tokens="$2"; shift 2 ;;
    --flash-attn) flash_attn="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$peer_kind" in llamacpp|jllama) ;; *) echo "--peer must be llamacpp or jllama" >&2; exit 2 ;; esac
case "$flash_attn" in auto|on|off|best) ;; *) echo "--flash-attn must be auto, on, off or best" >&2; exit 2 ;; esac
java_bin="$(find_java)"
out="$root/target/bench-results"
mkdir -p "$out"
IFS=, read -r -a model_list <<< "$models"
IFS=, read -r -a batch_list <<< "$batches"
model_dir="$("$root/scripts/bench-models.sh" "$root/target/bench-models" "${model_list[@]}")"

# The machine line: CPU model, the vector extensions that matter to both tools, the JDK of ours.
cpu_flags="$(grep -m1 '^flags' /proc/cpuinfo || true)"
has_flag() { case " ${cpu_flags#*:} " in *" $1 "*) echo "$1 yes" ;; *) echo "$1 no" ;; esac; }
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p')), $(nproc) CPUs;" \
  "$(has_flag avx2), $(has_flag avx512f), $(has_flag avx512_vnni), $(has_flag avx_vnni); load average $(cut -d' ' -f1 /proc/loadavg)"
echo "spark-llama: $("$java_bin" -version 2>&1 | head -n1) ($java_bin)"
# llama.cpp's compute threads spin at their barriers: with other runnable threads on the machine
# its rates collapse (5-15x lower seen on 2 cores). Say so when the machine is busy.
load="$(cut -d' ' -f1 /proc/loadavg)"
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
  echo "warning: load average $load before the run; llama.cpp's figures need an idle machine" >&2
fi

json_num() { echo "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"; }
json_str() { echo "$1" | sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p"; }

if [ "$peer_kind" = llamacpp ]; then
  "$root/scripts/peer/llamacpp.sh" setup >/dev/null # installs and builds on first use
  echo "peer: $("$root/scripts/peer/llamacpp.sh" info 2>>"$out/peer.log"), from npm @node-llama-cpp/linux-x64, flash attention $flash_attn"
  echo
  # KEY MODE MODEL ARGS...: runs the harness (twice with --flash-attn best) and prints the JSON
  # line with the higher KEY; every line goes to peer.jsonl.
  llamacpp() {
    local key="$1" line best="" best_v=-1 v f fas
    shift
    if [ "$flash_attn" = best ]; then fas=(on off); else fas=("$flash_attn"); fi
    for f in "${fas[@]}"; do
      line="$("$root/scripts/peer/llamacpp.sh" "$@" --flash-attn "$f" 2>>"$out/peer.log" | grep '^{' || true)"
      [ -n "$line" ] || { echo "llama.cpp harness failed: $* (see $out/peer.log)" >&2; continue; }
      echo "$line" >> "$out/peer.jsonl"
      v="$(json_num "$line" "$key")"
      if awk -v a="$v" -v b="$best_v" 'BEGIN { exit !(a > b) }'; then best="$line"; best_v="$v"; fi
    done
    echo "$best"
  }
else
  echo "peer: llama.cpp b4916 through java-llama.cpp (de.kherud:llama:4.2.0)"
  echo
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
  # The old peer's prefill: llama.cpp's own "prompt eval" rate for a greedy request of 1 new token
  # after the prompt, one request per process (so it includes first-request costs).
  peer_prefill_rate() {
    "$java_bin" -Dde.kherud.llama.tmpdir="$root/target/peer/native" -jar "$peer_jar" generate "$1" \
        --threads "$threads" -n 1 --ignore-eos --prompt-ids "$2" 2>&1 >/dev/null \
      | sed -n 's/.*prompt eval time = .* \([0-9.]*\) tokens per second.*/\1/p' | tail -1
  }
fi

# Single stream: decode positions 32..256 for both: ours with 32 prompt tokens and 224 new ones;
# llama.cpp's harness `single -n 256 --n0 32` (the jllama peer: its differential method over the
# same positions). Batches: prompts of 8 tokens per sequence and --gen-tokens new tokens per
# sequence, all sequences decoded together; llama.cpp's harness `parallel --np B --prompt 8`
# times the same decode steps (the jllama peer: B server slots with continuous batching, its
# differential rate). Both report the best of --reps repetitions.
if [ ${#batch_list[@]} -gt 0 ]; then
if [ "$peer_kind" = llamacpp ]; then
  echo "| model | batch | threads | spark-llama decode tok/s | llama.cpp decode tok/s | ratio | spark-llama prefill tok/s | ms/step | llama.cpp flash attn |"
  echo "|---|---|---|---|---|---|---|---|---|"
else
  echo "| model | batch | threads | spark-llama decode tok/s | llama.cpp decode tok/s | ratio | spark-llama prefill tok/s | ms/step |"
  echo "|---|---|---|---|---|---|---|---|"
fi
for m in "${model_list[@]}"; do
  file="$model_dir/$m.gguf"
  for b in "${batch_list[@]}"; do
    if [ "$b" = 1 ]; then
      ours="$("$root/scripts/llama" bench --model "$file" --batch 1 --threads "$threads" --reps "$reps" \
              --prompt-tokens 32 --gen-tokens 224 2>>"$out/ours.log")" || ours=""
    else
      ours="$("$root/scripts/llama" bench --model "$file" --batch "$b" --threads "$threads" --reps "$reps" \
              --prompt-tokens 8 --gen-tokens "$gen" 2>>"$out/ours.log")" || ours=""
    fi
    [ -n "$ours" ] && echo "$ours" >> "$out/ours.jsonl" || echo "spark-llama failed on $m batch $b (see $out/ours.log)" >&2
    fa_col=""
    if [ "$peer_kind" = llamacpp ]; then
      if [ "$b" = 1 ]; then
        r="$(llamacpp decode_tok_s single "$file" --name "$m" --threads "$threads" -n 256 --n0 32 --reps "$reps")"
      else
        r="$(llamacpp decode_tok_s parallel "$file" --name "$m" --threads "$threads" --np "$b" -n "$gen" \
             --prompt 8 --reps "$reps")"
      fi
      theirs="$(json_num "$r" decode_tok_s)"
      fa_col=" $(json_str "$r" flash_attn) |"
    else
      if [ "$b" = 1 ]; then
        r="$(peer single "$file" --threads "$threads" -n 256 --n0 32 --reps "$reps")"
        theirs="$(echo "$r" | sed -n 's/.*decode_tok_s=\([0-9.]*\).*/\1/p')"
      else
        r="$(peer parallel "$file" --threads "$threads" --np "$b" -n "$gen" --n0 16 --reps "$reps" --ctx-per-seq 256)"
        theirs="$(echo "$r" | sed -n 's/.*differential_tok_s=\([0-9.]*\).*/\1/p')"
      fi
      echo "$r" >> "$out/peer.results"
    fi
    decode="$(json_num "$ours" decode_tok_s)"
    prefill="$(json_num "$ours" prefill_tok_s)"
    step="$(json_num "$ours" ms_per_step)"
    ratio="$(awk -v a="$decode" -v b="$theirs" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }')"
    echo "| $m | $b | $threads | ${decode:--} | ${theirs:--} | $ratio | ${prefill:--} | ${step:--} |$fa_col"
  done
done
fi

# Prefill: one prompt of --prefill-tokens tokens. Ours: the bench's prefill rate (chunks of 64
# tokens per step; at least 5 repetitions, as a 128-token prompt alone is a short warm-up).
# llama.cpp's harness: the whole prompt in one llama_decode (one ubatch), after a warm-up, at least 5
# repetitions. Best of the repetitions for both.
if [ "$prefill_tokens" -gt 1 ]; then
  ids="1,$(seq -s, 100 $((98 + prefill_tokens)))"
  prefill_reps="$((reps < 5 ? 5 : reps))"
  echo
  if [ "$peer_kind" = llamacpp ]; then
    echo "| model | prompt tokens | threads | spark-llama prefill tok/s | llama.cpp prefill tok/s | ratio | llama.cpp flash attn |"
    echo "|---|---|---|---|---|---|---|"
  else
    echo "| model | prompt tokens | threads | spark-llama prefill tok/s | llama.cpp prefill tok/s | ratio |"
    echo "|---|---|---|---|---|---|"
  fi
  for m in "${model_list[@]}"; do
    file="$model_dir/$m.gguf"
    ours="$("$root/scripts/llama" bench --model "$file" --batch 1 --threads "$threads" \
            --reps "$prefill_reps" --prompt-tokens "$prefill_tokens" --gen-tokens 16 2>>"$out/ours.log")" || ours=""
    [ -n "$ours" ] && echo "$ours" >> "$out/ours.jsonl" || echo "spark-llama failed on $m prefill (see $out/ours.log)" >&2
    prefill="$(json_num "$ours" prefill_tok_s)"
    fa_col=""
    if [ "$peer_kind" = llamacpp ]; then
      r="$(llamacpp prefill_tok_s prefill "$file" --name "$m" --threads "$threads" --tokens "$prefill_tokens" \
           --reps "$prefill_reps")"
      theirs="$(json_num "$r" prefill_tok_s)"
      fa_col=" $(json_str "$r" flash_attn) |"
    else
      theirs=""
      for ((i = 0; i < reps; i++)); do
        r="$(peer_prefill_rate "$file" "$ids")"
        echo "RESULT prefill model=$m threads=$threads prompt_tokens=$prefill_tokens prompt_eval_tok_s=$r" >> "$out/peer.results"
        theirs="$(awk -v r="$r" -v best="$theirs" 'BEGIN { if (best == "" || r + 0 > best + 0) print r; else print best }')"
      done
    fi
    ratio="$(awk -v a="$prefill" -v b="$theirs" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }')"
    echo "| $m | $prefill_tokens | $threads | ${prefill:--} | ${theirs:--} | $ratio |$fa_col"
  done
fi
