#!/usr/bin/env bash
# Runs one of the spark-llama jobs; jobs/generate.sh, jobs/label.sh and jobs/evaluate.sh call it.
#   scripts/run-job.sh MAIN-CLASS DEFAULT-CONFIG SAMPLE-KIND SAMPLE-PATH [--master URL] [--config FILE] [key=value ...]
# Without --master, Spark runs in local mode on all cores. When the job's input is its default
# sample dataset and that is missing, it is written first (io.sparkllama.spark.SampleData); when
# the model is the default stories260K, scripts/get-model.sh fetches it. Any master URL
# (spark://HOST:PORT, yarn, local-cluster[...]) is submitted through scripts/spark-submit.
# Paths the user gives (--config, llama.input=..., a config file's paths) are relative to the
# current directory, as with any command; the default config's paths to the project.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
caller="$(pwd)"
source "$root/scripts/lib/java.sh"

main_class="$1" default_config="$2" sample_kind="$3" sample_path="$4"
shift 4
job="$(echo "${main_class##*.}" | sed 's/Job$//' | tr '[:upper:]' '[:lower:]')"
case "$job" in label) doc=docs/LABELING.md ;; evaluate) doc=docs/EVALUATION.md ;; *) doc=docs/SPARK.md ;; esac

usage() {
  # the job script's header comment says what it does
  sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$root/jobs/$job.sh"
  cat <<USAGE

Options:
  --master URL    where Spark runs: local[N] (default local[*], all cores of this machine),
                  spark://HOST:PORT (a standalone cluster; scripts/local-cluster.sh start runs
                  one on this machine), yarn, ...
  --config FILE   a properties file of keys (default: $default_config in the project)
  key=value       any llama.* or spark.* key, overriding the file
  -h, --help      this text
Relative paths (--config FILE, llama.input, llama.output, llama.model, ...) are relative to the
current directory. spark.driver.memory=8g sets the driver's heap, which in local mode is the
whole job's; on a cluster each executor's is spark.executor.memory.
Every key is in $root/docs/CONFIGURATION.md; more in $root/$doc.
USAGE
}

abs() { # a path given relative to $2, made absolute; URIs (hdfs:, s3a:, file:) and "" unchanged
  case "$1" in "" | /* | *:*) echo "$1" ;; *) echo "$2/$1" ;; esac
}

master="local[*]"
config=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --master | --config)
      if [ $# -lt 2 ]; then echo "error: $1 needs a value (see jobs/$job.sh --help)" >&2; exit 2; fi
      if [ "$1" = --master ]; then master="$2"; else config="$(abs "$2" "$caller")"; fi
      shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ -n "$config" ] && [ ! -f "$config" ]; then
  echo "error: $config: no such config file (--config)" >&2
  exit 2
fi

# Fail at once when a standalone master does not answer, rather than after Spark's 60 s of retries.
if [[ "$master" == spark://* ]]; then
  reachable=false
  IFS=, read -ra host_ports <<< "${master#spark://}"
  for hp in "${host_ports[@]}"; do
    host="${hp%:*}" port="${hp##*:}"
    [ "$host" = "$hp" ] && port=7077
    if timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null; then reachable=true; break; fi
  done
  if [ "$reachable" = false ]; then
    echo "error: no Spark master answers at $master; start one on this machine with scripts/local-cluster.sh start (then --master spark://127.0.0.1:7077), or leave out --master for local mode" >&2
    exit 1
  fi
fi

# the value of a key in a properties file ($2; none: empty)
file_setting() {
  [ -f "${2:-}" ] && sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$2" | tail -n1
  return 0
}
# the value of a key given by the user: the last key=value argument, else --config's file
user_setting() {
  local v a
  v="$(file_setting "$1" "$config")"
  for a in "${args[@]+"${args[@]}"}"; do
    case "$a" in "$1="*) v="${a#*=}" ;; esac
  done
  echo "$v"
}
setting() { # the value the job will see
  local v
  v="$(user_setting "$1")"
  [ -n "$v" ] || [ -n "$config" ] || v="$(file_setting "$1" "$root/$default_config")"
  echo "$v"
}

# Paths are passed absolute, so the job sees the same files whatever its working directory:
# the user's relative to the current directory, the defaults (conf/*.properties, the model)
# relative to the project.
declare -A resolved=()
paths=()
for key in llama.input llama.output llama.metrics.output llama.model llama.tokenizer; do
  v="$(user_setting "$key")"
  if [ -n "$v" ]; then
    v="$(abs "$v" "$caller")"
  else
    v="$(abs "$(file_setting "$key" "$root/$default_config")" "$root")"
  fi
  [ -n "$v" ] || [ "$key" != llama.model ] || v="$root/models/stories260K.gguf"
  resolved[$key]="$v"
  [ -z "$v" ] || paths+=("$key=$v")
done

java_bin="$(find_java)" || exit 1
ensure_jar "$java_bin"

if [ "${resolved[llama.input]}" = "$root/$sample_path" ] && [ ! -d "$root/$sample_path" ]; then
  echo "writing the sample $sample_kind data to $root/$sample_path ..." >&2
  "$root/scripts/spark-submit" --master 'local[1]' --conf spark.ui.enabled=false \
    --class io.sparkllama.spark.SampleData "$root/target/spark-llama.jar" "$sample_kind" "$root/$sample_path" 300
fi
if [ "${resolved[llama.model]}" = "$root/models/stories260K.gguf" ]; then
  "$root/scripts/get-model.sh" "$root/models/stories260K.gguf" >/dev/null
fi

# spark.driver.memory cannot resize a running JVM: scripts/spark-submit turns it into -Xmx.
submit=()
driver_memory="$(setting spark.driver.memory)"
[ -z "$driver_memory" ] || submit+=(--driver-memory "$driver_memory")

exec "$root/scripts/spark-submit" --master "$master" "${submit[@]+"${submit[@]}"}" --class "$main_class" \
  --conf spark.ui.showConsoleProgress=false "$root/target/spark-llama.jar" \
  --config "${config:-$root/$default_config}" "${args[@]+"${args[@]}"}" "${paths[@]}"
