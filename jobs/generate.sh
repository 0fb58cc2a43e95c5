#!/usr/bin/env bash
# Runs the batch generation job (io.sparkllama.spark.GenerateJob).
#   jobs/generate.sh [--master URL] [--config FILE] [key=value ...]
# Without --master it runs Spark in local mode on all cores. With the default configuration
# (conf/generate.properties) it first writes sample-data/prompts.parquet and gets the default
# model when they are missing, then writes output/completions/ and prints a summary.
# Any master URL (spark://HOST:PORT, yarn, local-cluster[...]) is submitted through
# scripts/spark-submit. Keys are documented in docs/CONFIGURATION.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/java.sh"
cd "$root"

master="local[*]"
args=()
config="conf/generate.properties"
while [ $# -gt 0 ]; do
  case "$1" in
    --master) master="$2"; shift 2 ;;
    --config) config="$2"; args+=("$1" "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

java_bin="$(find_java)" || exit 1
ensure_jar "$java_bin"

# the value of a key: the last key=value argument, else the config file, else empty
setting() {
  local v=""
  [ -f "$config" ] && v="$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$config" | tail -n1)"
  for a in "${args[@]+"${args[@]}"}"; do
    case "$a" in "$1="*) v="${a#*=}" ;; esac
  done
  echo "$v"
}

input="$(setting llama.input)"
if [ "$input" = "sample-data/prompts.parquet" ] && [ ! -d "$input" ]; then
  echo "writing the sample prompts to $input ..." >&2
  scripts/spark-submit --master 'local[1]' --conf spark.ui.enabled=false \
    --class io.sparkllama.spark.SampleData target/spark-llama.jar "$input" 300
fi
model="$(setting llama.model)"
if [ "$model" = "models/stories260K.gguf" ]; then
  scripts/get-model.sh "$root/$model" >/dev/null
fi

exec scripts/spark-submit --master "$master" --class io.sparkllama.spark.GenerateJob \
  --conf spark.ui.showConsoleProgress=false target/spark-llama.jar "${args[@]+"${args[@]}"}"
