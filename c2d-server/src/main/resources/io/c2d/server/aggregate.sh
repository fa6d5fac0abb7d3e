#!/bin/sh
# Sample algorithm: units sold and revenue per region, over every input dataset.
set -eu
echo "datasets: $DIDS"
echo "region,units,revenue" > "$OUTPUTS/summary.csv"
for input in "$INPUTS"/*/0; do
  echo "reading $input" >&2
  awk -F, 'NR > 1 { units[$1] += $3; revenue[$1] += $3 * $4 }
    END { for (r in units) printf "%s,%d,%.2f\n", r, units[r], revenue[r] }' "$input"
done | sort >> "$OUTPUTS/summary.csv"
echo "wrote $(wc -l < "$OUTPUTS/summary.csv") lines"
