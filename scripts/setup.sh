#!/usr/bin/env bash
# Sets Silta up on Debian 12 and runs the main job on the bundled examples:
# installs the build dependencies, builds, fetches the FHIR R4 definitions into the FHIR package
# cache (and FI Base from ../shared/profiles-fi, which Silta's profiles build on, with its
# dependencies: hl7.terminology.r4 and hl7.fhir.uv.extensions.r4 from the npm registry at the
# nearest published versions, hl7.fhir.fi.scheduling from ../shared/profiles-fi), then
#   - maps every client record in examples/records to a FHIR transaction Bundle (each resource
#     validated against its Silta profile) and maps the Bundles back to records,
#   - validates the bundled resources and the produced Bundles, with an HTML report,
#   - converts the bundled resources JSON → XML → JSON.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

silta_install_debian_packages
log "Building (build/)"
silta_build "$SILTA_ROOT/build" silta -DCMAKE_BUILD_TYPE=RelWithDebInfo
SILTA="$SILTA_ROOT/build/bin/silta"
silta_install_core_package "$SILTA"
silta_install_fi_base_package "$SILTA"
silta_install_fi_base_dependencies "$SILTA"

out="$SILTA_ROOT/out"
rm -rf "$out"
mkdir -p "$out"
log "Mapping the client records in examples/records to FHIR (out/fhir) and back (out/records)"
"$SILTA" map to-fhir "$SILTA_ROOT/examples/records" --out "$out/fhir"
"$SILTA" map from-fhir "$out/fhir" --out "$out/records"

log "Validating examples/resources and out/fhir (report: out/validation-report.html)"
"$SILTA" validate "$SILTA_ROOT/examples/resources" "$out/fhir" \
  --ig "$SILTA_ROOT/profiles/generated" --html "$out/validation-report.html"

log "Converting examples/resources JSON → XML (out/xml) → JSON (out/json)"
mkdir -p "$out/xml" "$out/json"
"$SILTA" convert --to xml --out-dir "$out/xml" "$SILTA_ROOT"/examples/resources/*.{json,xml}
"$SILTA" convert --to json --out-dir "$out/json" "$out"/xml/*.xml
log "Done: out/fhir, out/records, out/validation-report.html, out/xml, out/json. Try: build/bin/silta --help"
