#!/usr/bin/env bash
# Load test of `silta serve`: wrk POSTs a typical Patient to /$validate on loopback for a bounded
# time and prints requests/s, latency percentiles, errors, and the server's RSS (VmRSS) sampled
# every RSS_EVERY seconds during the run: start, peak and end, to show memory stays flat.
#
#   bench/serve/run.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
#   RSS_EVERY=5 bench/serve/run.sh build 60      # the 60-second memory check
#
# Goal on the 2-core reference machine: >= 5000 requests/s with p99 < 20 ms. The load average
# is printed too: other work on the machine skews every figure.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
seconds="${2:-10}"
connections="${3:-32}"
rss_every="${RSS_EVERY:-5}"
silta="$build/bin/silta"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[[ -x "$silta" ]] || { echo "no $silta; build the 'silta' target first" >&2; exit 2; }

work="$(mktemp -d)"
server_pid=""
sampler_pid=""
cleanup() {
  if [[ -n "$sampler_pid" ]]; then kill "$sampler_pid" 2>/dev/null || true; fi
  if [[ -n "$server_pid" ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

token="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$work/serve.json" <<JSON
{"port": 0, "queueFile": "queue.sqlite", "accessLog": "access.log"}
JSON
export SILTA_SERVE_TOKEN="$token validate"
"$silta" serve --config "$work/serve.json" >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
for _ in $(seq 1 300); do
  grep -q "listening on" "$work/stdout" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
url="$(grep -o 'http://[^ ]*' "$work/stdout" | head -1)"
[[ -n "$url" ]] || { echo "the server did not start" >&2; cat "$work/stderr" >&2; exit 1; }

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
rss() { echo "$(rss_kb) kB"; }
echo "server: $url (pid $server_pid), ${seconds}s, $connections connections, 2 wrk threads"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rss before: $(rss)"
export SILTA_BENCH_BODY="$root/examples/resources/patient-aino.json"
export SILTA_BENCH_TOKEN="$token"
# Warm-up, then the measured run.
wrk -t2 -c"$connections" -d2s -s "$here/validate.lua" "$url/\$validate" >/dev/null
echo "rss after warm-up: $(rss)"
# Sampled in the background while wrk runs.
(while kill -0 "$server_pid" 2>/dev/null; do rss_kb; sleep "$rss_every"; done) >"$work/rss.txt" &
sampler_pid=$!
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/validate.lua" "$url/\$validate" \
  | tee "$work/wrk.txt"
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
rss_kb >>"$work/rss.txt"
echo "rss samples (kB, every ${rss_every}s): $(tr '\n' ' ' <"$work/rss.txt")"
awk 'NR == 1 {start = $1; peak = $1} {if ($1 > peak) peak = $1; end = $1}
     END {printf "rss start/peak/end: %.1f / %.1f / %.1f MB (end - start: %+.1f MB)\n",
          start / 1024, peak / 1024, end / 1024, (end - start) / 1024}' "$work/rss.txt"
value() { awk -v k="$1" '$1 == k {print $2}' "$work/wrk.txt"; }
echo "summary: $(value rps) requests/s, p99 $(value p99_ms) ms, socket errors $(value socket_errors),\
 non-2xx $(value non_2xx), access log lines $(cat "$work/access.log" 2>/dev/null | wc -l)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
