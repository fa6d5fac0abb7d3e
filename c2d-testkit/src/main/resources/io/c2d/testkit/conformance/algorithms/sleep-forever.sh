#!/bin/sh
# c2d conformance algorithm: writes started.txt, then never ends on its own (stop it, or let its
# maximum duration end it).
printf 'started' > "$VOLUME/outputs/started.txt"
echo "c2d-conformance: sleeping forever"
while :; do
  sleep 1
done
