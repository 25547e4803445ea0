#!/usr/bin/env bash
# Whole-process validation speed: `silta validate` as users run it (start-up, loading R4 core,
# compiling what the input needs, reading, parsing, validating, the text report on stdout),
# timed from outside with /usr/bin/time, beside Medplum's validator on the same input in the
# same run.
#
#   bench/validation/whole_process.sh [BUILD_DIR] [RUNS]
#
# Inputs, made from the R4 core package in the FHIR package cache (r4_examples.mjs): the 705
# R4 example files, and the same 705 ten times over as one NDJSON file (7 050 resources, 54 MB).
# Each figure is the median of RUNS runs (default 5; Medplum MEDPLUM_RUNS, default 3, run in
# turn with Silta's NDJSON runs; 0 leaves Medplum out). Both wall and CPU (user+sys) time are given: on a shared
# machine the wall time also holds the time other processes had the cores, so the load average
# is printed before and after. Medplum needs `npm ci` in bench/validation/medplum (done here
# when node_modules is missing; the npm registry must be reachable then).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
runs="${2:-5}"
medplum_runs="${MEDPLUM_RUNS:-3}"
silta="$build/bin/silta"
package="${FHIR_PACKAGE_CACHE:-$HOME/.fhir/packages}/hl7.fhir.r4.core#4.0.1/package"
[[ -x "$silta" ]] || { echo "no $silta; build the 'silta' target first" >&2; exit 2; }
[[ -f "$package/Bundle-resources.json" ]] || {
  echo "hl7.fhir.r4.core#4.0.1 is not in the package cache (scripts/setup.sh installs it)" >&2
  exit 2
}
command -v node >/dev/null || { echo "node is needed for the inputs and Medplum" >&2; exit 2; }
if ((medplum_runs > 0)) && [[ ! -d "$here/medplum/node_modules/@medplum/core" ]]; then
  (cd "$here/medplum" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
node "$here/r4_examples.mjs" "$package" "$work/files" "$work/r4x10.ndjson" 10

# One timed run: appends "wall user sys maxrss_kb exit" to $1; the command's output is dropped.
timed() {
  local into="$1"
  shift
  local code=0
  /usr/bin/time -o "$work/time" -f "%e %U %S %M" "$@" >/dev/null 2>"$work/stderr" || code=$?
  # /usr/bin/time writes "Command exited with non-zero status N" first when the command fails.
  echo "$(tail -n 1 "$work/time") $code" >>"$into"
}

# median FILE COLUMN_EXPRESSION: the median of an awk expression over the runs' lines.
median() {
  awk "{ print $2 }" "$1" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maximum() { awk "{ print $2 }" "$1" | sort -g | tail -n 1; }

echo "silta: $("$silta" --version 2>/dev/null || echo unknown), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: $runs (Medplum $medplum_runs); medians; CPU = user + sys"

patient="$work/files/Patient-example.json"
# A warm-up of each, so that every timed run finds the files in the page cache.
timed "$work/warmup" "$silta" validate --threads 1 "$work/r4x10.ndjson"
timed "$work/warmup" "$silta" validate --threads 1 "$work/files"
if ((medplum_runs > 0)); then
  timed "$work/warmup" node --experimental-websocket "$here/medplum/validate.mjs" "$package" \
    "$patient"
fi

for ((i = 0; i < runs; i++)); do
  timed "$work/startup" "$silta" validate --threads 1 "$patient"
  timed "$work/ndjson1" "$silta" validate --threads 1 "$work/r4x10.ndjson"
  timed "$work/ndjson2" "$silta" validate --threads 2 "$work/r4x10.ndjson"
  timed "$work/files1" "$silta" validate --threads 1 "$work/files"
  if ((i < medplum_runs)); then
    timed "$work/medplum" node --experimental-websocket "$here/medplum/validate.mjs" "$package" \
      "$work/r4x10.ndjson"
  fi
done
if ((medplum_runs > 0)); then
  node --experimental-websocket "$here/medplum/validate.mjs" "$package" "$work/r4x10.ndjson" \
    >"$work/medplum.out"
fi
"$silta" validate --threads 1 "$work/r4x10.ndjson" | tail -n 1 >"$work/silta.out" || true

report() {  # report NAME FILE COUNT UNIT
  local wall cpu rss
  wall="$(median "$2" '$1')"
  cpu="$(median "$2" '$2 + $3')"
  rss="$(maximum "$2" '$4')"
  awk -v name="$1" -v wall="$wall" -v cpu="$cpu" -v rss="$rss" -v n="$3" -v unit="$4" 'BEGIN {
    printf "%-34s wall %6.3f s  CPU %6.3f s  %8.0f %s/s by wall, %8.0f by CPU  peak RSS %5.1f MB\n",
      name, wall, cpu, n / wall, unit, n / cpu, rss / 1024 }'
}

echo
echo "== figures (whole process: start-up, R4 core, parsing, validation, text report) =="
report "silta, NDJSON 7 050, 1 thread" "$work/ndjson1" 7050 resources
report "silta, NDJSON 7 050, 2 threads" "$work/ndjson2" 7050 resources
((medplum_runs > 0)) && report "medplum, NDJSON 7 050" "$work/medplum" 7050 resources
report "silta, 705 files, 1 thread" "$work/files1" 705 files
report "silta, one Patient (start-up)" "$work/startup" 1 resources
if ((medplum_runs > 0)); then
  awk -v s1="$(median "$work/ndjson1" '$1')" -v c1="$(median "$work/ndjson1" '$2 + $3')" \
    -v m="$(median "$work/medplum" '$1')" -v mc="$(median "$work/medplum" '$2 + $3')" 'BEGIN {
      printf "silta / medplum, NDJSON, 1 thread:  %.1fx by wall, %.1fx by CPU\n", m / s1, mc / c1 }'
fi
awk -v s1="$(median "$work/ndjson1" '$1')" -v s2="$(median "$work/ndjson2" '$1')" 'BEGIN {
  printf "2 threads / 1 thread, NDJSON:       %.2fx by wall\n", s1 / s2 }'
echo "peak RSS, all silta runs: $(awk '{ print $4 }' "$work"/ndjson1 "$work"/ndjson2 "$work"/files1 \
  "$work"/startup | sort -g | tail -n 1 | awk '{ printf "%.1f MB", $1 / 1024 }')"
echo
echo "== what each found on the NDJSON (exit codes: silta $(awk '{ print $5 }' "$work/ndjson1" | sort -u | tr '\n' ' ')) =="
echo "silta: $(cat "$work/silta.out")"
((medplum_runs > 0)) && cat "$work/medplum.out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
