#!/bin/sh
# c2d conformance algorithm: exits with $EXIT_CODE (default 3) after printing why.
echo "c2d-conformance: exiting with code ${EXIT_CODE:-3}"
exit "${EXIT_CODE:-3}"
