#!/usr/bin/env bash
# Open-ended fuzzing of every libFuzzer target (tests/fuzz: the FHIR JSON and XML parsers, the
# client record readers, FHIRPath, the mapping JSON reader, the NDJSON line reader, the FHIR
# package reader and the serve body decoder; ASan+UBSan), SECONDS each (default 600), or only the
# targets named after SECONDS. Findings land in build-fuzz/findings/<target>/; copy each crash
# into tests/fuzz/seeds/<target>/regression-* once fixed, so ctest replays it for ever.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
seconds="${1:-600}"
shift || true
silta_install_debian_packages
cd "$SILTA_ROOT"
silta_build build-fuzz all -DCMAKE_BUILD_TYPE=Debug -DSILTA_SANITIZE=ON -DSILTA_FUZZ=ON \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS=-O1 -DSILTA_BUILD_BENCH=OFF
# CMake lists every target of tests/fuzz/CMakeLists.txt with its input cap (as under ctest).
declare -A max_len
targets=()
while read -r name cap; do
  [[ -n "$name" ]] || continue
  max_len[$name]="$cap"
  targets+=("$name")
done < build-fuzz/tests/fuzz/fuzz-targets.txt
if (($# > 0)); then targets=("$@"); fi
for target in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$target" "build-fuzz/findings/$target"
  log "Fuzzing $target for $seconds s"
  "build-fuzz/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -max_len="${max_len[$target]:-200000}" -artifact_prefix="build-fuzz/findings/$target/" \
    "build-fuzz/corpus/$target" "tests/fuzz/seeds/$target"
done
