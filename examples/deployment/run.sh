#!/usr/bin/env bash
# A deployment a newcomer can run: one local FHIR server (../shared/fhir-server-peer) per target
# of policy.json, the base URLs handed to the adapter configs through environment variables,
# then `silta sync push` of examples/records, first as a dry run and then for real. Each run
# prints, per target, the resources it receives and which AKUSTI items they carry; the servers
# are stopped at the end. Usage: examples/deployment/run.sh [SILTA_BINARY]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
silta="${1:-$root/build/bin/silta}"
[[ -x "$silta" ]] || { echo "no silta binary at $silta (run scripts/setup.sh first)" >&2; exit 2; }
source "$root/scripts/common.sh"
silta_install_fhir_peer
peer="$root/.cache/fhir-peer"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port, asked of the kernel.
free_port() {
  "$peer/node_modules/.bin/node" -e \
    'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

for target in county shared joint national phr; do
  port="$(free_port)"
  (cd "$peer" && PORT="$port" VALIDATE=1 ATOMIC=1 exec node_modules/.bin/node fhir-peer.mjs \
     >"$work/$target.log" 2>&1) &
  pids+=("$!")
  url="http://127.0.0.1:$port/fhir"
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$url/metadata" && break
    sleep 0.1
  done
  curl -sf -o /dev/null "$url/metadata" || { echo "the $target server did not start" >&2; exit 2; }
  export "SILTA_$(tr a-z A-Z <<<"$target")_URL=$url"
  log "$target: FHIR server on $url"
done

push() {
  "$silta" sync push "$root/examples/records" --policy "$here/policy.json" \
    --journal "$work/journal.db" --quarantine "$work/quarantine" "$@"
}
log "Dry run: what each target would receive"
push --dry-run
log "Push"
push
log "Push again: nothing has changed, so nothing is sent"
push
