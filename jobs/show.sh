#!/usr/bin/env bash
# Shows the rows of a dataset: a job's Parquet output, or a JSON Lines (.jsonl/.json) or CSV (.csv)
# file (io.sparkllama.spark.ShowJob, in a one-thread local Spark session).
#   jobs/show.sh PATH [--limit N] [--columns a,b] [--where SQL] [--width N] [--json]
# Rows go to stdout as an aligned table (cells cut at --width characters, 60) or, with --json, as one
# JSON object per line; messages go to stderr. --limit defaults to 20. Exit status 1 for a missing
# path or a bad column or filter, 2 for bad usage. Example:
#   jobs/show.sh output/labels --columns text,label,label_probs --where "label = ' happy'" --limit 5
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/java.sh"
java_bin="$(find_java)" || exit 1
ensure_jar "$java_bin"
exec "$root/scripts/spark-submit" --master 'local[1]' --conf spark.ui.enabled=false \
  --conf spark.ui.showConsoleProgress=false --class io.sparkllama.spark.ShowJob "$root/target/spark-llama.jar" "$@"
