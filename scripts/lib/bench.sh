# The start shared by scripts/bench-spark.sh and scripts/bench-sql.sh: reads [MODEL] [ROWS]
# [MAX_TOKENS] (defaults: target/bench-models/stories15M-q8_0.gguf, written by
# scripts/bench-models.sh; 1000; 128) into $model, $rows and $tokens, makes $dir (target/NAME) and
# builds the jar when it is out of date. Needs $root.
#   bench_setup NAME "$@"
bench_setup() {
  local name="$1"
  shift
  model="${1:-$("$root/scripts/bench-models.sh" "$root/target/bench-models" stories15M-q8_0)/stories15M-q8_0.gguf}"
  rows="${2:-1000}"
  tokens="${3:-128}"
  dir="$root/target/$name"
  mkdir -p "$dir"
  source "$root/scripts/lib/java.sh"
  ensure_jar "$(find_java)"
}
