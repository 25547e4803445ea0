#!/usr/bin/env bash
# Keeps the guide "Adding a contract field" (mappings/README.md) true: applies its sample field,
# exactly as the guide's diff blocks write it, to a scratch copy of the repository and follows
# the guide's remaining steps there: regenerate the profiles, build silta, `silta mappings
# check`, `silta mappings test` (which must first see the new field in the example and then
# pass with regenerated golden files) and a round trip through `silta map` in both directions.
# A guide whose diffs no longer apply, or whose steps are not enough, fails here.
#
# usage: guide_contract_field.sh SOURCE_DIR WORK_DIR [CXX_COMPILER_LAUNCHER]
set -euo pipefail

src=$(cd "$1" && pwd)
work=$2
launcher=${3:-}
repo="$work/repo"
guide="$src/mappings/README.md"

step() { printf '==> %s\n' "$*"; }
fail() { printf 'guide_contract_field: %s\n' "$*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$repo"

step "copying the repository (tracked and new files) to $repo"
(cd "$src" && git ls-files -z -co --exclude-standard |
   while IFS= read -r -d '' f; do [[ -f "$f" ]] && printf '%s\0' "$f"; done |
   tar --null -T - -cf -) | tar -xf - -C "$repo"
# SUSHI as the repository pinned it, when it is installed already (scripts/profiles.sh installs it
# otherwise).
if [[ -d "$src/.cache/sushi" ]]; then
  mkdir -p "$repo/.cache"
  ln -s "$src/.cache/sushi" "$repo/.cache/sushi"
fi

step "applying the guide's diff blocks"
# The blocks sit in a numbered list: three spaces of indentation that are not part of the diff.
awk '/^ *```diff$/ {on = 1; next} /^ *```$/ {on = 0} on {sub(/^   /, ""); print}' "$guide" \
  > "$work/guide.diff"
[[ -s "$work/guide.diff" ]] || fail "no \`\`\`diff block in $guide"
# The scratch copy sits inside the build folder, often inside a git work tree, where git apply
# would skip every path outside the current folder without a word: it gets a repository of its
# own first.
(cd "$repo" && git init -q && git apply --verbose "$work/guide.diff") ||
  fail "the guide's diffs do not apply"
grep -q passportNumber "$repo/src/records/fields.h" || fail "the guide's diffs were not applied"

step "building silta in the scratch copy"
cmake_args=(-S "$repo" -B "$repo/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
            -DSILTA_WERROR=ON -DSILTA_BUILD_TESTS=OFF -DSILTA_BUILD_BENCH=OFF)
[[ -n "$launcher" ]] && cmake_args+=("-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher")
[[ -n "${CXX:-}" ]] || cmake_args+=(-DCMAKE_CXX_COMPILER=g++)
cmake "${cmake_args[@]}" > "$work/cmake.log" || { cat "$work/cmake.log"; fail "configure"; }
cmake --build "$repo/build" --target silta || fail "the sample field does not build"
silta="$repo/build/bin/silta"

step "regenerating the profiles (scripts/profiles.sh)"
SILTA_BIN="$silta" SILTA_SHARED_DIR="${SILTA_SHARED_DIR:-$src/../shared}" \
  "$repo/scripts/profiles.sh" || fail "profile regeneration"
grep -q passportNumber "$repo/profiles/generated/StructureDefinition-residence-permit.json" ||
  fail "the regenerated residence-permit extension has no passportNumber"

export SILTA_PROFILES="$repo/profiles/generated" SILTA_MAPPINGS="$repo/mappings"

step "silta mappings check"
"$silta" mappings check "$repo/mappings" || fail "mappings check"

step "silta mappings test: the golden file must notice the new field"
if "$silta" mappings test "$repo/mappings" > "$work/test-before.log"; then
  fail "mappings test passed before the golden files were regenerated"
fi
grep -q "temporary-id-asylum-seeker.json differs" "$work/test-before.log" ||
  { cat "$work/test-before.log"; fail "the golden difference is not reported"; }
"$silta" mappings test --update "$repo/mappings" > /dev/null || fail "mappings test --update"
grep -q '"valueString": "XP1234567"' "$repo/mappings/client/testdata/temporary-id-asylum-seeker.json" ||
  fail "the regenerated golden file does not carry the passport number"
"$silta" mappings test "$repo/mappings" || fail "mappings test"

step "round trip: silta map to-fhir, then from-fhir"
"$silta" map to-fhir --out "$work/fhir" "$repo/examples/records/temporary-id-asylum-seeker.json"
"$silta" map from-fhir --out "$work/back" "$work/fhir"
grep -rq '"passportNumber": "XP1234567"' "$work/back" || fail "the passport number did not come back"

step "silta mappings coverage: the new field has its row, the generated tables follow"
"$silta" mappings coverage "$repo/mappings" |
  grep -q "^residencePermit.passportNumber	client	Patient.extension(residence-permit).extension('passportNumber').valueString	8	national$" ||
  fail "no coverage row for residencePermit.passportNumber"
docs=(--update-doc "$repo/mappings/README.md" --update-doc "$repo/profiles/README.md")
"$silta" mappings coverage "$repo/mappings" "${docs[@]}" || fail "coverage --update-doc"
"$silta" mappings coverage "$repo/mappings" "${docs[@]//update/check}" || fail "coverage --check-doc"
grep -q 'residencePermit.passportNumber' "$repo/profiles/README.md" ||
  fail "profiles/README.md's field table lacks the new field"
step "the guide holds"
