#!/usr/bin/env bash
# Scale-out benchmark: records/s pushed by 1, 2 and 3 `silta serve` instances sharing one
# PostgreSQL queue and journal, against a FHIR server that answers every request after a fixed
# delay (delay_server.py, 20 ms by default), so that the figure shows how the instances share the
# work rather than how fast this machine's two cores map and validate.
#
#   bench/scale/run.sh [BUILD_DIR] [RECORDS] [DELAY_MS] [INSTANCES...]
#
# Per run: a fresh database; one instance without a sync policy takes RECORDS client records by
# POST /client-records (not timed) and stops; then N instances with the policy start while the
# queue table is locked, and once all are ready the lock is released and the clock starts; it
# stops when the queue is empty. What the figure includes: per record, the claim (lease) in
# PostgreSQL, mapping, validation against the Silta profiles, routing, the journal reads, one
# transaction to the delaying server, the journal write and the delete from the queue; the
# heartbeats. Not included: start-up, taking the records in over HTTP.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
records="${2:-400}"
delay_ms="${3:-20}"
shift $(($# > 3 ? 3 : $#))
counts=("$@")
[[ ${#counts[@]} -gt 0 ]] || counts=(1 2 3)
silta="$build/bin/silta"
[[ -x "$silta" ]] || { echo "no $silta; build the 'silta' target first" >&2; exit 2; }
pg_bin="${SILTA_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
[[ -x "$pg_bin/initdb" ]] || { echo "no PostgreSQL server binaries: install postgresql" >&2; exit 2; }

work="$(mktemp -d /tmp/silta-scale-bench-XXXXXX)"
as=()
if [[ "$(id -u)" == 0 ]]; then as=(runuser -u postgres --); chown postgres "$work"; fi
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [[ -f "$work/data/postmaster.pid" ]] && "${as[@]}" "$pg_bin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true
  [[ -n "${SILTA_BENCH_KEEP:-}" ]] && echo "work folder: $work" || rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# PostgreSQL with its defaults (fsync and synchronous commits on), on loopback.
pg_port="$(free_port)"
"${as[@]}" "$pg_bin/initdb" -D "$work/data" -U silta --auth=trust -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1
"${as[@]}" "$pg_bin/pg_ctl" -D "$work/data" -l "$work/data/server.log" -w \
  -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
psql() { "$pg_bin/psql" -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U silta "$@"; }

fhir_port="$(free_port)"
python3 "$here/delay_server.py" "$fhir_port" "$delay_ms" >"$work/fhir.log" 2>&1 &
pids+=($!)

python3 - "$root/examples/records" "$records" "$work/records" <<'PY'
import json, pathlib, sys
folder, wanted, out = pathlib.Path(sys.argv[1]), int(sys.argv[2]), pathlib.Path(sys.argv[3])
out.mkdir()
templates = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
for i in range(wanted):
    record = dict(templates[i % len(templates)])
    record["clientId"] = f"{record['clientId']}-S{i:06d}"
    (out / f"{i:06d}.json").write_text(json.dumps(record, ensure_ascii=False))
PY

echo "token *" >"$work/tokens"
cat >"$work/target.json" <<JSON
{"name": "county", "baseUrl": "http://127.0.0.1:$fhir_port/fhir", "checkCapabilities": false}
JSON
cat >"$work/policy.json" <<JSON
{"custodian": {"oid": "1.2.246.10.32213182.19.0", "name": "Bench county"},
 "targets": [{"name": "county", "levels": ["county", "shared-definition", "joint-county",
  "national"], "adapter": "target.json"}]}
JSON

# serve_config NAME DB PORT WITH_POLICY
serve_config() {
  local uri="postgresql://silta@127.0.0.1:$pg_port/$2"
  {
    echo "{\"port\": $3, \"threads\": 2, \"tokensFile\": \"tokens\", \"accessLog\": \"off\","
    echo " \"queueFile\": \"$uri\", \"journalFile\": \"$uri\", \"quarantineDir\": \"quarantine\""
    [[ "$4" == yes ]] && echo ", \"syncPolicy\": \"policy.json\", \"syncRetryMs\": 200"
    echo "}"
  } >"$work/$1.json"
}
wait_ready() {
  for _ in $(seq 1 1200); do
    curl -sf -o /dev/null -H "Authorization: Bearer token" "http://127.0.0.1:$1/readyz" && return 0
    sleep 0.1
  done
  echo "instance on port $1 not ready" >&2; return 1
}
queue_depth() { psql -d "$1" -tAc "SELECT COUNT(*) FROM record_queue"; }

echo "$(date -u +%FT%TZ) scale-out: $records records, FHIR server delay ${delay_ms} ms, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${counts[@]}"; do
  db="run_${n}"
  psql -d postgres -c "CREATE DATABASE $db"
  # Take the records in with one instance that does not push.
  port="$(free_port)"
  serve_config intake "$db" "$port" no
  (cd "$work" && exec "$silta" serve --config intake.json) >"$work/intake-$n.log" 2>&1 &
  intake=$!
  wait_ready "$port"
  python3 - "$work/records" "$port" <<'PY'
import pathlib, sys, urllib.request
folder, port = pathlib.Path(sys.argv[1]), sys.argv[2]
for path in sorted(folder.glob("*.json")):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/client-records", data=path.read_bytes(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": "Bearer token"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 202, answer.status
PY
  kill -TERM "$intake"; wait "$intake" || true
  [[ "$(queue_depth "$db")" == "$records" ]] || { echo "queue holds $(queue_depth "$db") records" >&2; exit 1; }

  # Hold the workers at their first claim until all N are up.
  rm -f "$work/go"
  (echo "BEGIN; LOCK TABLE record_queue IN EXCLUSIVE MODE; SELECT 1;"
   while [[ ! -f "$work/go" ]]; do sleep 0.02; done
   echo "COMMIT;") | psql -d "$db" >/dev/null &
  locker=$!
  sleep 0.5
  run_pids=()
  for i in $(seq 1 "$n"); do
    port="$(free_port)"
    serve_config "serve-$n-$i" "$db" "$port" yes
    (cd "$work" && exec "$silta" serve --config "serve-$n-$i.json") >"$work/serve-$n-$i.log" 2>&1 &
    run_pids+=($!); pids+=($!)
    ports[$i]="$port"
  done
  for i in $(seq 1 "$n"); do wait_ready "${ports[$i]}"; done
  start="$(date +%s.%N)"
  touch "$work/go"
  wait "$locker"
  while [[ "$(queue_depth "$db")" != 0 ]]; do sleep 0.05; done
  end="$(date +%s.%N)"
  requests="$(grep -c '^POST' "$work/fhir.log" || true)"
  : >"$work/fhir.log"
  for pid in "${run_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  python3 - "$n" "$records" "$start" "$end" "$requests" <<'PY'
import sys
n, records, start, end, requests = sys.argv[1:]
seconds = float(end) - float(start)
print(f"{n} instance(s): {records} records in {seconds:.2f} s = {int(records) / seconds:.1f} records/s "
      f"({requests} transactions to the FHIR server)")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
