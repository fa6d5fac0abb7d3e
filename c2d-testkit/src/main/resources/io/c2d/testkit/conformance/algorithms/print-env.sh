#!/bin/sh
# c2d conformance algorithm: writes the sandbox contract's environment variables to env.txt (one
# NAME=value per line) and copies the consumer's custom parameters to custom-data.json.
out="$VOLUME/outputs"
{
  printf 'DIDS=%s\n' "$DIDS"
  printf 'TRANSFORMATION_DID=%s\n' "$TRANSFORMATION_DID"
  printf 'VOLUME=%s\n' "$VOLUME"
  printf 'INPUTS=%s\n' "$INPUTS"
  printf 'OUTPUTS=%s\n' "$OUTPUTS"
  printf 'LOGS=%s\n' "$LOGS"
  printf 'ALGO=%s\n' "$ALGO"
} > "$out/env.txt"
if [ -f "$VOLUME/inputs/algoCustomData.json" ]; then
  cp "$VOLUME/inputs/algoCustomData.json" "$out/custom-data.json"
fi
if [ -f "$ALGO" ]; then
  printf 'yes' > "$out/algo-readable.txt"
fi
