#!/usr/bin/env bash
# Compiles Silta's FSH profiles (profiles/input/fsh) with a pinned SUSHI and writes the generated
# StructureDefinitions, ValueSets, CodeSystems and examples to profiles/generated/.
#
#   scripts/profiles.sh           regenerate profiles/generated/
#   scripts/profiles.sh --check   regenerate into a temporary folder and fail (exit 1) with a diff
#                                 when profiles/generated/ is not what the sources produce (CI)
#
# Both fail when SUSHI reports an error or a warning that profiles/tooling/sushi-warnings-allowed.json
# does not list with a reason.
#
# Runs offline: SUSHI comes from the npm registry once (pinned by profiles/tooling/package-lock.json
# into the git-ignored .cache/sushi/), the FHIR packages it needs from the FHIR package cache
# ($SILTA_PACKAGE_CACHE, else ~/.fhir/packages). SUSHI itself only reads ~/.fhir/packages, so it
# runs with HOME pointing at a temporary folder whose .fhir/packages links to that cache.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

profiles_dir="$SILTA_ROOT/profiles"
tooling_dir="$profiles_dir/tooling"
sushi_prefix="$SILTA_ROOT/.cache/sushi"
sushi_bin="$sushi_prefix/node_modules/.bin/sushi"
package_cache="${SILTA_PACKAGE_CACHE:-$HOME/.fhir/packages}"
shared_dir="${SILTA_SHARED_DIR:-$SILTA_ROOT/../shared}"
fi_base_folder="$shared_dir/profiles-fi/hl7.fhir.fi.base-2.0.0-rc2"

for tool in node npm diff; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/setup.sh" >&2; exit 2; }
done

# (1) SUSHI, exactly as locked. Reinstalled only when the lock file changed.
install_sushi() {
  if [[ -x "$sushi_bin" ]] && cmp -s "$tooling_dir/package-lock.json" "$sushi_prefix/package-lock.json"; then
    return 0
  fi
  log "Installing SUSHI from profiles/tooling/package-lock.json into .cache/sushi"
  rm -rf "$sushi_prefix"
  mkdir -p "$sushi_prefix"
  cp "$tooling_dir/package.json" "$tooling_dir/package-lock.json" "$sushi_prefix/"
  npm ci --prefix "$sushi_prefix" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
}

# The silta binary installs FHIR packages into the cache (atomically, indexed).
silta_bin() {
  if [[ -n "${SILTA_BIN:-}" ]]; then
    echo "$SILTA_BIN"
    return 0
  fi
  if [[ ! -x "$SILTA_ROOT/build/bin/silta" ]]; then
    silta_build "$SILTA_ROOT/build" silta >&2
  fi
  echo "$SILTA_ROOT/build/bin/silta"
}

# (2) The packages SUSHI reads: R4 core and FI Base 2.0.0-rc2. SUSHI loads only the dependencies
# named in sushi-config.yaml, not theirs, so FI Base's own dependencies (hl7.terminology.r4 6.3.0,
# hl7.fhir.uv.extensions.r4 5.2.0, hl7.fhir.fi.scheduling 0.3.1) are not needed to compile: the
# profiles use nothing from them.
ensure_packages() {
  local core="$package_cache/hl7.fhir.r4.core#4.0.1/package/package.json"
  if [[ ! -f "$core" ]]; then
    log "Installing hl7.fhir.r4.core#4.0.1 into $package_cache"
    silta_install_core_package "$(silta_bin)"
  fi
  node -e '
    const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (m.name !== "hl7.fhir.r4.core" || m.type !== "Core") {
      console.error(process.argv[1] + ": expected name hl7.fhir.r4.core and type Core, found " +
                    m.name + " / " + m.type);
      process.exit(2);
    }' "$core"
  if [[ ! -f "$package_cache/hl7.fhir.fi.base#2.0.0-rc2/package/package.json" ]]; then
    [[ -f "$fi_base_folder/package.json" ]] || {
      echo "FI Base 2.0.0-rc2 not found at $fi_base_folder (set SILTA_SHARED_DIR)" >&2
      exit 2
    }
    log "Installing hl7.fhir.fi.base#2.0.0-rc2 from $fi_base_folder into $package_cache"
    "$(silta_bin)" packages install "$fi_base_folder" >&2
  fi
}

# (3) SUSHI into OUT (a fresh folder), then one normalised JSON per resource into DEST.
run_sushi() {
  local work="$1" dest="$2"
  mkdir -p "$work/home/.fhir"
  ln -s "$(cd "$package_cache" && pwd)" "$work/home/.fhir/packages"
  # FPL_REGISTRY points SUSHI's package registry at a closed local port: SUSHI's automatic
  # dependencies (hl7.fhir.uv.tools.r4, hl7.terminology.r4, hl7.fhir.uv.extensions.r4 "latest")
  # then fail at once with a warning instead of waiting for packages.fhir.org.
  log "Running SUSHI $("$sushi_bin" --version | sed -n 's/^SUSHI v\([^ ]*\).*/\1/p') on profiles/"
  if ! HOME="$work/home" FPL_REGISTRY="http://127.0.0.1:9" \
      "$sushi_bin" build "$profiles_dir" --out "$work/out" >"$work/sushi.log" 2>&1; then
    cat "$work/sushi.log" >&2
    echo "SUSHI failed" >&2
    return 1
  fi
  grep -oE '[0-9]+ Errors +[0-9]+ Warnings' "$work/sushi.log" | sed 's/^/SUSHI: /' >&2
  if ! grep -qE '\b0 Errors' "$work/sushi.log"; then
    cat "$work/sushi.log" >&2
    echo "SUSHI reported errors" >&2
    return 1
  fi
  # SUSHI exits 0 on warnings, and a warning can mean lost data (identifier[+] on a sliced
  # element merged two identifiers): every warning must be in the allow-list, with its reason.
  if ! node "$tooling_dir/sushi-warnings.js" "$work/sushi.log" "$tooling_dir/sushi-warnings-allowed.json"; then
    echo "SUSHI warned: fix the FSH, or add the warning with its reason to profiles/tooling/sushi-warnings-allowed.json" >&2
    return 1
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  NODE_PATH="$sushi_prefix/node_modules" node "$tooling_dir/normalize.js" "$work/out/fsh-generated/resources" "$profiles_dir/sushi-config.yaml" "$dest"
}

install_sushi
ensure_packages
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ((check)); then
  run_sushi "$work" "$work/generated"
  # The package index and caches Silta writes beside a package it loads are not sources.
  if ! diff -ru -x .silta-index.json -x .silta "$profiles_dir/generated" "$work/generated"; then
    echo "profiles/generated/ is out of date: run scripts/profiles.sh and commit the result" >&2
    exit 1
  fi
  log "profiles/generated/ is up to date"
else
  run_sushi "$work" "$work/generated"
  rm -rf "$profiles_dir/generated"
  mv "$work/generated" "$profiles_dir/generated"
  log "Wrote $(ls "$profiles_dir/generated" | wc -l) files to profiles/generated/"
fi
