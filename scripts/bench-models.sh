#!/usr/bin/env bash
# Writes the random-weight benchmark models (real shapes, seeded) with the shared tools:
#   scripts/bench-models.sh [DIR] [SHAPE-TYPE ...]
# DIR defaults to target/bench-models; SHAPE-TYPE is e.g. stories110M-q8_0, tinyllama1.1B-q4_k_m
# or llama2-7b-width-L2-q4_0.
# Shapes: those of make_synthetic_llama2c.py (stories15M, stories42M, stories110M,
# tinyllama1.1B), and llama2-7b-width-LN: Llama 2 7B's width (dim 4096, 32 heads and 32 KV
# heads, hidden 11008, vocab 32000, context 4096) with N layers instead of 32, built by the
# same tool's writer (same seed). Every shape's llama2.c checkpoint is kept as SHAPE.bin.
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
  [ -f "$dir/$1.bin" ] && return 0
  case "$1" in
    llama2-7b-width-L*)
      local layers="${1#llama2-7b-width-L}"
      [[ "$layers" =~ ^[1-9][0-9]*$ ]] || { echo "bad layer count in shape '$1' (llama2-7b-width-LN, N >= 1)" >&2; exit 2; }
      echo "writing $dir/$1.bin" >&2
      # make_synthetic_llama2c.py knows named shapes only: add this one to its table and run its main
      python3 - "$shared/tools" "$1" "$layers" "$dir/$1.bin.part" <<'EOF'
import sys
tools, shape, layers, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, tools)
import make_synthetic_llama2c as synth
# dim, hidden, layers, heads, kv_heads, vocab, seq_len: Llama 2 7B's, but for the layer count
synth.SHAPES[shape] = (4096, 11008, layers, 32, 32, 32000, 4096)
sys.argv = [synth.__file__, shape, out]
synth.main()
EOF
      ;;
    *)
      echo "writing $dir/$1.bin" >&2
      python3 "$shared/tools/make_synthetic_llama2c.py" "$1" "$dir/$1.bin.part" ;;
  esac
  mv "$dir/$1.bin.part" "$dir/$1.bin"
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
