#!/usr/bin/env bash
# Runs every test: formatting, a GCC build with -Werror and an ASan+UBSan build with clang 14,
# each with the whole ctest suite, then a ThreadSanitizer build with clang 14 of the tests that
# run code on several threads at once. Installs what is missing first, like setup.sh.
# SILTA_TEST_QUICK=1 skips the sanitizer builds (for a fast local loop).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# A test that hangs fails after this many seconds. The tests carry this TIMEOUT already
# (tests/CMakeLists.txt, SILTA_TEST_TIMEOUT); --timeout covers any added without it.
test_timeout=300

# The ThreadSanitizer step builds only these targets and runs only the tests matching the regex:
# the batch runner (reader, workers, ordered results), one validator shared by many threads
# (compiled profiles, type plans, the code cache, the terminology expansions), the snapshot
# cache, FHIRPath compiled and evaluated on many threads, the package cache, serve in one
# process (Poco's request threads, the record queue, the sync worker) and one FHIR client used by
# many threads. New concurrent tests get "Thread" or "Concurrent" in their name, or go into one
# of the single-process binaries named in the regex.
tsan_targets=(batch_test validation_test validation_threads_test snapshot_test terminology_test
  fhirpath_test packages_test serve_test fhirclient_integration_test)
tsan_tests='^BatchRunner\.|Thread|Concurrent|^serve_test$|^fhirclient_integration_test$'

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
silta_install_fi_base_dependencies build-test/bin/silta
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
ctest --test-dir build-test --output-on-failure --parallel "$(nproc)" --timeout "$test_timeout"

if [[ "${SILTA_TEST_QUICK:-0}" != 1 ]]; then
  log "clang 14 build with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
  silta_build build-asan all -DCMAKE_BUILD_TYPE=Debug -DSILTA_WERROR=ON -DSILTA_SANITIZE=ON \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS=-O1 -DSILTA_BUILD_BENCH=OFF \
    -DSILTA_FUZZ=ON
  log "Tests (ASan + UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)" --timeout "$test_timeout"

  log "clang 14 build with ThreadSanitizer, the concurrent tests only (build-tsan/)"
  silta_build build-tsan "${tsan_targets[*]}" -DCMAKE_BUILD_TYPE=Debug -DSILTA_WERROR=ON \
    -DSILTA_TSAN=ON -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS=-O1 -DSILTA_BUILD_BENCH=OFF
  log "Tests (ThreadSanitizer)"
  # Poco, libcurl, OpenSSL and SQLite are Debian's, not instrumented: TSan sees the pthread calls
  # they make but not their memory accesses or atomics. That is enough for Silta's own locking,
  # but a reference count inside them can look like a race: cmake/tsan.supp lists those, each
  # with its reason. halt_on_error makes the first report fail the test.
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$SILTA_ROOT/cmake/tsan.supp" \
    ctest --test-dir build-tsan --output-on-failure --parallel "$(nproc)" \
    --timeout "$test_timeout" -R "$tsan_tests"
fi
log "All tests passed"
