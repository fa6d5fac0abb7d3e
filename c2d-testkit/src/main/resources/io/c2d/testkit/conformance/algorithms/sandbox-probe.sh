#!/bin/sh
# c2d conformance algorithm: probes the sandbox and writes what it found to probe.txt, one
# name=value per line: whether it could write to an input file, its uid.
out="$VOLUME/outputs"
writable=no
for file in "$VOLUME"/inputs/*/0; do
  if [ -f "$file" ] && (printf 'x' >> "$file") 2>/dev/null; then
    writable=yes
  fi
  break
done
{
  printf 'inputs-writable=%s\n' "$writable"
  printf 'uid=%s\n' "$(id -u)"
} > "$out/probe.txt"
