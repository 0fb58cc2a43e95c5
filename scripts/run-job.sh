#!/usr/bin/env bash
# Runs one of the spark-llama jobs; jobs/generate.sh, jobs/label.sh and jobs/evaluate.sh call it.
#   scripts/run-job.sh MAIN-CLASS DEFAULT-CONFIG SAMPLE-KIND SAMPLE-PATH [--master URL] [--config FILE] [key=value ...]
# Without --master, Spark runs in local mode on all cores. When the job's input is its default
# sample dataset and that is missing, it is written first (io.sparkllama.spark.SampleData); when
# the model is the default stories260K, scripts/get-model.sh fetches it. Any master URL
# (spark://HOST:PORT, yarn, local-cluster[...]) is submitted through scripts/spark-submit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/java.sh"
cd "$root"

main_class="$1" config="$2" sample_kind="$3" sample_path="$4"
shift 4
master="local[*]"
args=()
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
if [ "$input" = "$sample_path" ] && [ ! -d "$input" ]; then
  echo "writing the sample $sample_kind data to $input ..." >&2
  scripts/spark-submit --master 'local[1]' --conf spark.ui.enabled=false \
    --class io.sparkllama.spark.SampleData target/spark-llama.jar "$sample_kind" "$input" 300
fi
model="$(setting llama.model)"
if [ -z "$model" ] || [ "$model" = "models/stories260K.gguf" ]; then
  scripts/get-model.sh "$root/models/stories260K.gguf" >/dev/null
fi

exec scripts/spark-submit --master "$master" --class "$main_class" \
  --conf spark.ui.showConsoleProgress=false target/spark-llama.jar "${args[@]+"${args[@]}"}"
