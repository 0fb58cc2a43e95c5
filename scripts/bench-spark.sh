#!/usr/bin/env bash
# Compares the Spark job's generation throughput with the command line's on the same prompts,
# model and settings, and checks that both produce the same completions.
#   scripts/bench-spark.sh [MODEL] [ROWS] [MAX_TOKENS]
# Defaults: target/bench-models/stories15M-q8_0.gguf (written by scripts/bench-models.sh),
# 1000 prompts, 128 tokens. Spark runs in local[2] (one engine shared by two tasks).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source "$root/scripts/lib/bench.sh"
bench_setup bench-spark "$@"
if [ ! -f "$dir/prompts-$rows.jsonl" ]; then
  scripts/spark-submit --master 'local[1]' --conf spark.ui.enabled=false --class io.sparkllama.spark.SampleData \
    target/spark-llama.jar prompts "$dir/prompts-$rows.parquet" "$rows" "$dir/prompts-$rows.jsonl" 2>/dev/null
fi
settings=(--max-tokens "$tokens" --temperature 0.8 --top-p 0.95 --top-k 0 --seed 42 --batch-size 16 --threads 2)
echo "== command line: scripts/llama generate --prompts ($rows prompts)" >&2
scripts/llama generate --model "$model" --prompts "$dir/prompts-$rows.jsonl" --output "$dir/cli.jsonl" "${settings[@]}" \
  2> "$dir/cli.log"
grep "generated tok/s" "$dir/cli.log" >&2
echo "== Spark job: jobs/generate.sh --master local[2]" >&2
jobs/generate.sh --master 'local[2]' llama.input="$dir/prompts-$rows.parquet" llama.output="$dir/spark-out" \
  llama.overwrite=true llama.model="$model" llama.max.tokens="$tokens" llama.temperature=0.8 llama.top.p=0.95 \
  llama.top.k=0 llama.seed=42 llama.max.sequences=16 llama.threads=2 llama.partitions=2 > "$dir/spark.json" 2> "$dir/spark.log"
grep "spark-llama:" "$dir/spark.log" >&2
echo "== same completions?" >&2
scripts/spark-submit --master 'local[2]' --conf spark.ui.enabled=false --class io.sparkllama.spark.CompareWithCli \
  target/spark-llama.jar "$dir/spark-out" "$dir/cli.jsonl" 2>/dev/null >&2 # prints its JSON line; fails the script on a difference
cli=$(sed -n 's/.*tokens in \([0-9.]*\) s: \([0-9.]*\) generated tok\/s.*/\2/p' "$dir/cli.log")
spark=$(sed -n 's/.*"generated_tok_s":\([0-9.]*\).*/\1/p' "$dir/spark.json")
echo "{\"rows\":$rows,\"cli_generated_tok_s\":$cli,\"spark_generated_tok_s\":$spark,\"ratio\":$(awk -v a="$spark" -v b="$cli" 'BEGIN{printf "%.3f", a/b}')}"
