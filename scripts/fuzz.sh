#!/usr/bin/env bash
# Open-ended fuzzing of the FHIR JSON and XML parsers and the client record readers (libFuzzer,
# ASan+UBSan), SECONDS each (default 600). Findings land in build-fuzz/findings/; copy each crash
# into tests/fuzz/seeds/<target>/regression-*.{json,xml} once fixed, so ctest replays it for ever.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
seconds="${1:-600}"
silta_install_debian_packages
cd "$SILTA_ROOT"
silta_build build-fuzz all -DCMAKE_BUILD_TYPE=Debug -DSILTA_SANITIZE=ON -DSILTA_FUZZ=ON \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS=-O1 -DSILTA_BUILD_BENCH=OFF
for format in json xml records_json records_xml; do
  mkdir -p "build-fuzz/corpus/$format" build-fuzz/findings
  log "Fuzzing the $format parser for $seconds s"
  "build-fuzz/tests/fuzz/fuzz_$format" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -max_len=200000 -artifact_prefix=build-fuzz/findings/ \
    "build-fuzz/corpus/$format" "tests/fuzz/seeds/$format"
done
