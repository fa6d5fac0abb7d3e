#!/bin/sh
# c2d conformance algorithm: writes $OUTPUT_BYTES bytes to big.txt in the outputs and prints
# $LOG_BYTES bytes to stdout (both default 0), to check the output and log caps.
set -e
head -c "${OUTPUT_BYTES:-0}" /dev/zero | tr '\000' 'o' > "$VOLUME/outputs/big.txt"
head -c "${LOG_BYTES:-0}" /dev/zero | tr '\000' 'l'
