#!/usr/bin/env bash
# End-to-end push benchmark: `silta sync push` of N synthetic client records into the real FHIR
# server of ../shared/fhir-server-peer (Medplum's router, in memory) on loopback, then a second
# push of the same records (the journal says nothing changed, so nothing is sent).
#
#   bench/sync/run.sh [BUILD_DIR] [RECORDS]
#
# Prints, per run: wall time, client records/s, resources sent, and the CPU time of Silta itself
# (user+sys of the silta process) per resource, beside the server's CPU for the same run. The
# records are the JSON examples of examples/records with the client id made unique per copy, so
# every copy maps to its own resources. The load average is printed: other work on the machine
# skews every figure.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
records="${2:-200}"
silta="$build/bin/silta"
peer_dir="${SILTA_FHIR_PEER_DIR:-$root/.cache/fhir-peer}"
[[ -x "$silta" ]] || { echo "no $silta; build the 'silta' target first" >&2; exit 2; }
[[ -x "$peer_dir/node_modules/.bin/node" ]] || {
  echo "the FHIR peer is not installed in $peer_dir (scripts/test.sh installs it)" >&2
  exit 2
}

work="$(mktemp -d)"; [[ -n "${SILTA_BENCH_KEEP:-}" ]] && echo "work folder: $work"
peer_pid=""
cleanup() {
  if [[ -n "$peer_pid" ]]; then kill -TERM "$peer_pid" 2>/dev/null || true; wait "$peer_pid" 2>/dev/null || true; fi
  [[ -n "${SILTA_BENCH_KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
(cd "$peer_dir" && PORT="$port" VALIDATE=1 ATOMIC=1 exec node_modules/.bin/node fhir-peer.mjs) \
  >"$work/peer.log" 2>&1 &
peer_pid=$!
base="http://127.0.0.1:$port/fhir"
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "$base/metadata" && break
  kill -0 "$peer_pid" 2>/dev/null || { cat "$work/peer.log" >&2; exit 1; }
  sleep 0.1
done

python3 - "$root/examples/records" "$records" >"$work/records.ndjson" <<'PY'
import json, pathlib, sys
folder, wanted = pathlib.Path(sys.argv[1]), int(sys.argv[2])
templates = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
for i in range(wanted):
    record = dict(templates[i % len(templates)])
    record["clientId"] = f"{record['clientId']}-B{i:06d}"
    print(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
PY

cat >"$work/peer.json" <<JSON
{"name": "county", "baseUrl": "$base", "timeoutSeconds": 120}
JSON
cat >"$work/routing.json" <<JSON
{"targets": [{"name": "county", "levels": ["county", "shared-definition", "joint-county", "national"],
              "adapter": "peer.json"}]}
JSON

# Prints the CPU seconds (user+sys) a process has used so far.
cpu_of() { awk '{printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$1/stat"; }

run_push() {
  local label="$1"
  local peer_cpu_before peer_cpu_after
  peer_cpu_before="$(cpu_of "$peer_pid")"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" \
    "$silta" sync push "$work/records.ndjson" --policy "$work/routing.json" \
    --journal "$work/journal.db" --quarantine "$work/quarantine" >"$work/push.txt" 2>"$work/push.err" ||
    { echo "silta sync push failed:" >&2; cat "$work/push.txt" "$work/push.err" >&2; exit 1; }
  peer_cpu_after="$(cpu_of "$peer_pid")"
  read -r wall user sys rss_kb <"$work/time.txt"
  local sent unchanged
  sent="$(grep -o 'sent [0-9]*' "$work/push.txt" | awk '{s += $2} END {print s + 0}')"
  unchanged="$(grep -o 'unchanged [0-9]*' "$work/push.txt" | awk '{s += $2} END {print s + 0}')"
  python3 - "$label" "$records" "$wall" "$user" "$sys" "$rss_kb" "$sent" "$unchanged" \
    "$peer_cpu_before" "$peer_cpu_after" <<'PY'
import sys
label, n, wall, user, sys_, rss, sent, unchanged, pb, pa = sys.argv[1:]
n, wall, cpu = int(n), float(wall), float(user) + float(sys_)
sent, unchanged = int(sent), int(unchanged)
resources = sent if sent else unchanged
print(f"{label}: {n} records in {wall:.2f} s wall = {n / wall:.0f} records/s; "
      f"sent {sent}, unchanged {unchanged}")
print(f"  silta CPU {cpu:.2f} s = {cpu / n * 1e3:.2f} ms per record, "
      f"{cpu / max(resources, 1) * 1e6:.0f} µs per resource; peak RSS {int(rss) // 1024} MB")
print(f"  server CPU {float(pa) - float(pb):.2f} s")
PY
}

echo "FHIR peer: $base (pid $peer_pid); $records records; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run_push "first push (everything new)"
run_push "second push (nothing changed)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
