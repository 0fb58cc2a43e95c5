#!/usr/bin/env bash
# Writes the random-weight benchmark models (real shapes, seeded) with the shared tools:
#   scripts/bench-models.sh [DIR] [SHAPE-TYPE ...]
# DIR defaults to target/bench-models; SHAPE-TYPE is e.g. stories110M-q8_0 or tinyllama1.1B-q4_k_m.
# Shapes: those of make_synthetic_llama2c.py (stories15M, stories42M, stories110M, tinyllama1.1B);
# Types: f32, f16, q8_0 written by llama2c_to_gguf.py (every matrix of that type); q4_0, q4_k_m,
# q5_k_m, q6_k written by quantize_gguf.py with llama.cpp's per-tensor types (a q4_0 file keeps
# its output head in Q6_K) from the shape's F16 file, which is written first and kept as
# SHAPE-f16.gguf.
# Existing files are kept. Prints DIR on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED_DIR:-$root/../shared}"
dir="${1:-$root/target/bench-models}"
shift || true
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(stories15M-f32 stories15M-q8_0 stories110M-f32 stories110M-q8_0 tinyllama1.1B-q8_0 tinyllama1.1B-q4_0)
mkdir -p "$dir"

# The llama2.c checkpoint of a shape, written once.
checkpoint() {
  if [ ! -f "$dir/$1.bin" ]; then
    echo "writing $dir/$1.bin" >&2
    python3 "$shared/tools/make_synthetic_llama2c.py" "$1" "$dir/$1.bin.part"
    mv "$dir/$1.bin.part" "$dir/$1.bin"
  fi
}

# SHAPE-TYPE.gguf with llama2c_to_gguf.py (TYPE one of its --type values).
convert() {
  local shape="$1" type="$2" out="$dir/$1-$2.gguf"
  [ -f "$out" ] && return 0
  checkpoint "$shape"
  echo "converting to $out" >&2
  python3 "$shared/tools/llama2c_to_gguf.py" "$dir/$shape.bin" "$shared/models/tokenizer.bin" "$out.part" \
    --type "$(echo "$type" | tr a-z A-Z)" >&2
  mv "$out.part" "$out"
}

# SHAPE-TYPE.gguf with quantize_gguf.py from SHAPE-f16.gguf (TYPE one of its FTYPEs).
quantize() {
  local shape="$1" type="$2" out="$dir/$1-$2.gguf"
  [ -f "$out" ] && return 0
  convert "$shape" f16
  echo "quantizing to $out" >&2
  python3 "$shared/tools/quantize_gguf.py" "$dir/$shape-f16.gguf" "$out.part" "$(echo "$type" | tr a-z A-Z)" >&2
  mv "$out.part" "$out"
}

for name in "${wanted[@]}"; do
  shape="${name%-*}"
  type="${name##*-}"
  case "$type" in
    f32|f16|q8_0) convert "$shape" "$type" ;;
    q4_0|q4_k_m|q5_k_m|q6_k) quantize "$shape" "$type" ;;
    *) echo "unknown type '$type' in $name (f32, f16, q8_0, q4_0, q4_k_m, q5_k_m, q6_k)" >&2; exit 2 ;;
  esac
done
echo "$dir"
