#!/bin/sh
# c2d conformance algorithm: leaves symbolic links in its outputs that point outside them (a
# system file, the parent directory, the job's inputs, an input file); only ok.txt is a result.
out="$VOLUME/outputs"
printf 'ok' > "$out/ok.txt"
ln -s /etc/passwd "$out/passwd"
ln -s .. "$out/parent"
ln -s "$VOLUME/inputs" "$out/inputs"
for file in "$VOLUME"/inputs/*/0; do
  [ -f "$file" ] && ln -s "$file" "$out/secret"
  break
done
mkdir -p "$out/dir"
ln -s ../../inputs "$out/dir/up"
exit 0
