#!/usr/bin/env bash
# Tokenizer speed on two 1 MB texts, with the Llama 3 vocabulary of ../shared/models/llama3-mini.gguf
# (or --model FILE):
#   scripts/bench-tokenizer.sh [--model FILE] [--reps N]
# english.txt: the English licence texts of /usr/share/common-licenses, concatenated and repeated
# to 1,000,000 bytes. mixed.txt: the texts of ../shared/reference/llama3_tokenize.jsonl (Chinese,
# Japanese, Korean, Arabic, Hindi, Cyrillic, Greek, emoji, code, numbers, English) in a seeded
# shuffle, repeated to 1,000,000 bytes. Both are written under target/tokenizer-bench (never
# committed). Prints scripts/llama bench-tokenizer's JSON lines on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED_DIR:-$root/../shared}"
model="$shared/models/llama3-mini.gguf"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
dir="$root/target/tokenizer-bench"
mkdir -p "$dir"
python3 - "$dir" "$shared/reference/llama3_tokenize.jsonl" <<'PY'
import json, pathlib, random, sys
out, ref = pathlib.Path(sys.argv[1]), sys.argv[2]
size = 1_000_000

def fill(parts, path):
    data = bytearray()
    i = 0
    while len(data) < size:
        data += parts[i % len(parts)].encode("utf-8") + b"\n"
        i += 1
    text = data.decode("utf-8", errors="ignore")
    # cut at a character boundary at or below the size
    cut = text.encode("utf-8")[:size].decode("utf-8", errors="ignore")
    path.write_text(cut, encoding="utf-8")

licences = sorted(p for p in pathlib.Path("/usr/share/common-licenses").iterdir() if p.is_file())
english = [p.read_text(encoding="utf-8", errors="ignore") for p in licences]
fill(english, out / "english.txt")
texts = [json.loads(l)["text"] for l in open(ref, encoding="utf-8") if '"text"' in l]
texts = [t for t in texts if t.strip()]
random.Random(20261207).shuffle(texts)
fill(texts, out / "mixed.txt")
PY
exec "$root/scripts/llama" bench-tokenizer --model "$model" --texts "$dir/english.txt,$dir/mixed.txt" "${args[@]}"
