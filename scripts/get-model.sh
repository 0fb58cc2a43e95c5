#!/usr/bin/env bash
# Puts the default model, stories260K (GGUF, 1.2 MB), at models/stories260K.gguf (or $1):
# downloads it and checks its sha256, or copies it from ../shared/models when there is no
# internet. Prints the path.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/models/stories260K.gguf}"
sha=270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d
url=https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf
shared="${SHARED_DIR:-$root/../shared}/models/stories260K.gguf"

ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$sha" ]; }

if ok "$dest"; then
  echo "$dest"
  exit 0
fi
mkdir -p "$(dirname "$dest")"
tmp="$dest.part"
if curl -fsSL --connect-timeout 10 --max-time 120 "$url" -o "$tmp" 2>/dev/null && ok "$tmp"; then
  echo "downloaded $url" >&2
elif [ -f "$shared" ] && cp "$shared" "$tmp" && ok "$tmp"; then
  echo "copied $shared (download not available)" >&2
else
  rm -f "$tmp"
  echo "error: could not get stories260K.gguf: download of $url failed and $shared is missing or differs (sha256 $sha)" >&2
  exit 1
fi
mv "$tmp" "$dest"
echo "$dest"
