#!/usr/bin/env bash
# Runs one SQL query with the functions llama_generate, llama_score and llama_choose
# (io.sparkllama.sql.SqlJob, in a session with spark.sql.extensions=io.sparkllama.sql.LlamaExtensions).
#   jobs/sql.sh --query SQL [--output PATH] [--json] [--width N] [--master URL] [key=value ...]
# The result is printed as a table (--json: one JSON object per line) or written as Parquet to
# --output. key=value: spark.* keys for the session; llama.KEY=V is short for spark.llama.KEY=V, the
# default of the functions' option KEY (model, max.tokens, temperature, ...). The model defaults to
# the project's stories260K (fetched when missing), and sample-data/prompts.parquet is written when
# a query names it and it is missing. Without --master, Spark runs in local mode on all cores.
# Example (from the project directory):
#   jobs/sql.sh --query "SELECT id, llama_generate(prompt).completion FROM parquet.\`sample-data/prompts.parquet\` LIMIT 5"
# Functions, options and the seed rule: docs/SPARK.md, "SQL and PySpark".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
caller="$(pwd)"
source "$root/scripts/lib/java.sh"

usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$root/jobs/sql.sh"; }

master="local[*]"
query=""
args=()
model=""
driver_memory=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --master | --query | --output | --width)
      if [ $# -lt 2 ]; then echo "error: $1 needs a value (see jobs/sql.sh --help)" >&2; exit 2; fi
      case "$1" in
        --master) master="$2" ;;
        --query) query="$2"; args+=("$1" "$2") ;;
        --output) case "$2" in /* | *:*) args+=("$1" "$2") ;; *) args+=("$1" "$caller/$2") ;; esac ;;
        *) args+=("$1" "$2") ;;
      esac
      shift 2 ;;
    llama.model=* | spark.llama.model=*)
      model="${1#*=}"
      case "$model" in "" | /* | *:*) ;; *) model="$caller/$model" ;; esac
      shift ;;
    spark.driver.memory=*) driver_memory="${1#*=}"; args+=("$1"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ -z "$query" ]; then
  echo "error: no --query given (see jobs/sql.sh --help)" >&2
  exit 2
fi

java_bin="$(find_java)" || exit 1
ensure_jar "$java_bin"

if [ -z "$model" ]; then
  model="$root/models/stories260K.gguf"
  "$root/scripts/get-model.sh" "$model" >/dev/null
fi
if [[ "$query" == *sample-data/prompts.parquet* ]] && [ ! -d "$root/sample-data/prompts.parquet" ]; then
  echo "writing the sample prompts to $root/sample-data/prompts.parquet ..." >&2
  "$root/scripts/spark-submit" --master 'local[1]' --conf spark.ui.enabled=false \
    --class io.sparkllama.spark.SampleData "$root/target/spark-llama.jar" prompts "$root/sample-data/prompts.parquet" 300
fi

submit=()
[ -z "$driver_memory" ] || submit+=(--driver-memory "$driver_memory")
exec "$root/scripts/spark-submit" --master "$master" "${submit[@]+"${submit[@]}"}" --class io.sparkllama.sql.SqlJob \
  --conf spark.ui.showConsoleProgress=false "$root/target/spark-llama.jar" "${args[@]}" "spark.llama.model=$model"
