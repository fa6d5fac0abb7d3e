#!/bin/sh
# c2d conformance algorithm: writes its arguments to args.txt (one a line, as it received them),
# its working directory to cwd.txt, and copies the first input file read through the path
# data/inputs/<did>/0 relative to its working directory (as Ocean's examples open it) to
# relative-input when that path exists.
out="$OUTPUTS"
: > "$out/args.txt"
for arg in "$@"; do
  printf '%s\n' "$arg" >> "$out/args.txt"
done
pwd > "$out/cwd.txt"
did=$(printf '%s' "$DIDS" | sed 's/^[^"]*"\([^"]*\)".*$/\1/')
if [ -f "data/inputs/$did/0" ]; then
  cp "data/inputs/$did/0" "$out/relative-input"
fi
