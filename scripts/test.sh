#!/usr/bin/env bash
# Runs every test: formatting, a GCC build with -Werror, and an ASan+UBSan build with clang 14,
# each with the whole ctest suite. Installs what is missing first, like setup.sh.
# SILTA_TEST_QUICK=1 skips the sanitizer build (for a fast local loop).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

silta_install_debian_packages
cd "$SILTA_ROOT"

log "Checking formatting (clang-format, .clang-format)"
mapfile -t sources < <(git ls-files '*.cc' '*.h' 2>/dev/null || find src tests bench -name '*.cc' -o -name '*.h')
clang-format --dry-run --Werror "${sources[@]}"

log "GCC build with -Werror (build-test/)"
silta_build build-test all -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSILTA_WERROR=ON \
  -DCMAKE_CXX_COMPILER=g++
silta_install_core_package build-test/bin/silta
silta_install_fi_base_package build-test/bin/silta
# The packages tests install the real R4 tarball into a scratch cache too.
mkdir -p .cache
if [[ ! -s .cache/hl7.fhir.r4.examples-4.0.1.tgz ]]; then
  (cd .cache && npm pack hl7.fhir.r4.examples@4.0.1 --silent >/dev/null)
fi
export SILTA_TEST_R4_TGZ="$SILTA_ROOT/.cache/hl7.fhir.r4.examples-4.0.1.tgz"
log "Profiles: regenerating with SUSHI must give the committed profiles/generated/"
SILTA_BIN="$SILTA_ROOT/build-test/bin/silta" "$SILTA_ROOT/scripts/profiles.sh" --check
silta_install_fhir_peer
export SILTA_FHIR_PEER_DIR="$SILTA_ROOT/.cache/fhir-peer"
log "Tests (GCC)"
ctest --test-dir build-test --output-on-failure --parallel "$(nproc)"

if [[ "${SILTA_TEST_QUICK:-0}" != 1 ]]; then
  log "clang 14 build with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
  silta_build build-asan all -DCMAKE_BUILD_TYPE=Debug -DSILTA_WERROR=ON -DSILTA_SANITIZE=ON \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS=-O1 -DSILTA_BUILD_BENCH=OFF \
    -DSILTA_FUZZ=ON
  log "Tests (ASan + UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)"
fi
log "All tests passed"
