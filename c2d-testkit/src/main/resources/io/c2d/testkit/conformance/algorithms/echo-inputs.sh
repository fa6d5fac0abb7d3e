#!/bin/sh
# c2d conformance algorithm: copies what the job was given into its outputs, writes a few fixed
# files, and prints one line to stdout and one to stderr. Busybox sh is enough.
set -e
out="$VOLUME/outputs"
for dir in "$VOLUME"/inputs/*/; do
  [ -d "$dir" ] || continue
  did=$(basename "$dir")
  for file in "$dir"*; do
    [ -f "$file" ] || continue
    cp "$file" "$out/input-$did-$(basename "$file")"
  done
done
for ddo in "$VOLUME"/ddos/*; do
  [ -f "$ddo" ] || continue
  cp "$ddo" "$out/ddo-$(basename "$ddo")"
done
printf 'hello from the conformance kit\n' > "$out/hello.txt"
mkdir -p "$out/nested/deeper"
printf 'deep' > "$out/nested/deeper/deep.txt"
printf '\000\001\002\377' > "$out/bytes.bin"
: > "$out/empty.txt"
echo "c2d-conformance: this line went to stdout"
echo "c2d-conformance: this line went to stderr" >&2
