#!/usr/bin/env bash
# examples/deployment/run.sh as a newcomer runs it: it must finish, route the county-level
# Coverages to the county target only, give the PHR target only items 13 and 14, and send
# nothing on the second push.
set -euo pipefail
out="$("$1" "$2" 2>&1)" || { echo "$out"; echo "run.sh failed" >&2; exit 1; }
echo "$out"
last="${out##*Push again}"
for target in county shared joint national phr; do
  grep -q "  $target: sent 0, " <<<"$last" || { echo "FAIL: $target was sent something again" >&2; exit 1; }
done
grep -q "AKUSTI items: 10 (1) 15 (3) 16 (3) 25 (1) 29 (2)$" <<<"$last" || { echo "FAIL: county items" >&2; exit 1; }
# The pseudonymous PHR target: functional ability and service use only (adapters/kanta-phr).
grep -q "AKUSTI items: 13 (7) 14 (3)$" <<<"$last" || { echo "FAIL: phr items" >&2; exit 1; }
echo "deployment example: ok"
