#!/usr/bin/env bash
# Writes the random-weight benchmark models (real shapes, seeded) with the shared tools:
#   scripts/bench-models.sh [DIR] [SHAPE-TYPE ...]
# DIR defaults to target/bench-models; SHAPE-TYPE is e.g. stories110M-q8_0 (shapes: stories15M,
# stories42M, stories110M, tinyllama1.1B; types: f32, f16, q8_0, q4_0). Existing files are kept.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED_DIR:-$root/../shared}"
dir="${1:-$root/target/bench-models}"
shift || true
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(stories15M-f32 stories15M-q8_0 stories110M-f32 stories110M-q8_0 tinyllama1.1B-q8_0 tinyllama1.1B-q4_0)
mkdir -p "$dir"
for name in "${wanted[@]}"; do
  shape="${name%-*}"
  type="${name##*-}"
  out="$dir/$name.gguf"
  [ -f "$out" ] && continue
  if [ ! -f "$dir/$shape.bin" ]; then
    echo "writing $dir/$shape.bin" >&2
    python3 "$shared/tools/make_synthetic_llama2c.py" "$shape" "$dir/$shape.bin.part"
    mv "$dir/$shape.bin.part" "$dir/$shape.bin"
  fi
  echo "converting to $out" >&2
  python3 "$shared/tools/llama2c_to_gguf.py" "$dir/$shape.bin" "$shared/models/tokenizer.bin" "$out" \
    --type "$(echo "$type" | tr a-z A-Z)" >&2
done
echo "$dir"
