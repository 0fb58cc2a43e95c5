#!/usr/bin/env bash
# Compares the llama_generate SQL function with the LlamaGenerator transformer on the same prompts,
# model and settings (io.sparkllama.sql.SqlBench, local[2]: one engine shared by two tasks): the
# generated tokens per second of each, the engine's generated tokens per step (its mean batch
# occupancy while decoding) and whether both wrote the same completions.
#   scripts/bench-sql.sh [MODEL] [ROWS] [MAX_TOKENS]
# Defaults: target/bench-models/stories15M-q8_0.gguf (written by scripts/bench-models.sh),
# 1000 prompts, 128 tokens. Prints one JSON line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source "$root/scripts/lib/bench.sh"
bench_setup bench-sql "$@"
if [ ! -d "$dir/prompts-$rows.parquet" ]; then
  scripts/spark-submit --master 'local[1]' --conf spark.ui.enabled=false --class io.sparkllama.spark.SampleData \
    target/spark-llama.jar prompts "$dir/prompts-$rows.parquet" "$rows" 2>/dev/null
fi
lscpu | grep -E "^Model name|^CPU family|^Model:|^CPU\(s\)" >&2
scripts/spark-submit --master 'local[2]' --conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false \
  --class io.sparkllama.sql.SqlBench target/spark-llama.jar "$(cd "$(dirname "$model")" && pwd)/$(basename "$model")" \
  "$dir/prompts-$rows.parquet" "$tokens" "$dir" 2> "$dir/bench.log"
