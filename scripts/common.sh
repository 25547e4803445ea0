# Shared by setup.sh and test.sh: installing what Silta needs from Debian, configuring and
# building. Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail

SILTA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SILTA_ROOT

# Debian 12 packages for building, testing and fetching FHIR packages (npm).
SILTA_DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  g++ clang-14 libclang-rt-14-dev clang-format
  rapidjson-dev libsimdjson-dev libpugixml-dev libarchive-dev libpcre2-dev libcli11-dev
  libcurl4-openssl-dev libpoco-dev libsqlite3-dev libssl-dev zlib1g-dev openssl
  libpq-dev postgresql
  libgtest-dev libgmock-dev libbenchmark-dev libmimalloc-dev
  nodejs npm python3
  wrk chromium
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

silta_install_debian_packages() {
  local missing=()
  for p in "${SILTA_DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node.js from another source (NodeSource) ships npm inside the nodejs package.
  if [[ " ${missing[*]} " == *" npm "* ]] && command -v npm >/dev/null 2>&1; then
    missing=("${missing[@]/npm/}")
  fi
  missing=($(printf '%s\n' "${missing[@]}" | sed '/^$/d'))
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  log "Installing Debian packages: ${missing[*]}"
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 2; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# silta_build DIR TARGETS [cmake options...]: configure once, then build TARGETS ("all" for
# everything, or several targets separated by spaces) incrementally.
silta_build() {
  local dir="$1" targets
  read -ra targets <<<"$2"
  shift 2
  if [[ ! -f "$dir/build.ninja" ]]; then
    cmake -S "$SILTA_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  fi
  cmake --build "$dir" --target "${targets[@]}" --parallel "$(nproc)"
}

# The R4 core definitions in the FHIR package cache ($SILTA_PACKAGE_CACHE or ~/.fhir/packages).
silta_install_core_package() {
  local silta="$1"
  "$silta" packages install hl7.fhir.r4.core@4.0.1
}

# FI Base 2.0.0-rc2, which Silta's profiles derive from: installed into the package cache from
# ../shared/profiles-fi (it is not on the npm registry).
silta_install_fi_base_package() {
  local silta="$1"
  "$silta" packages install "${SILTA_SHARED_DIR:-$SILTA_ROOT/../shared}/profiles-fi/hl7.fhir.fi.base-2.0.0-rc2"
}

# FI Base 2.0.0-rc2's dependencies, so that validating against it finds everything it names.
# hl7.terminology.r4 and hl7.fhir.uv.extensions.r4 come from the npm registry, which does not
# serve the versions FI Base names: the nearest published versions are fetched once into .cache/
# (like the R4 examples) and installed under the versions FI Base names, their package.json
# keeping the real one as "silta-installed-from" (src/packages/README.md). Each row: name, the
# version FI Base names, the version the registry publishes. hl7.fhir.fi.scheduling 0.3.1 comes
# from ../shared/profiles-fi like FI Base.
SILTA_FI_BASE_NPM_DEPENDENCIES=(
  "hl7.terminology.r4 6.3.0 7.0.1"
  "hl7.fhir.uv.extensions.r4 5.2.0 5.3.0-ballot-tc1"
)
silta_install_fi_base_dependencies() {
  local silta="$1" entry name wanted published tgz installed
  mkdir -p "$SILTA_ROOT/.cache"
  for entry in "${SILTA_FI_BASE_NPM_DEPENDENCIES[@]}"; do
    read -r name wanted published <<<"$entry"
    tgz="$SILTA_ROOT/.cache/$name-$published.tgz"
    if [[ ! -s "$tgz" ]]; then
      log "Fetching $name@$published from the npm registry into .cache/"
      (cd "$SILTA_ROOT/.cache" && npm pack "$name@$published" --silent >/dev/null)
    fi
    installed=$("$silta" packages install "$tgz" --as "$name@$wanted")
    echo "$installed"
    if [[ "$installed" != *"already installed"* ]]; then
      echo "warning: $name#$wanted, which hl7.fhir.fi.base#2.0.0-rc2 names, is not on the npm" \
        "registry: installed $name#$published, the nearest published version, as $wanted" >&2
    fi
  done
  "$silta" packages install \
    "${SILTA_SHARED_DIR:-$SILTA_ROOT/../shared}/profiles-fi/hl7.fhir.fi.scheduling-0.3.1"
}

# The FHIR server the sync integration tests run against (../shared/fhir-server-peer): installed
# from the npm registry into .cache/fhir-peer, again only when its package.json changed.
silta_install_fhir_peer() {
  local src="${SILTA_SHARED_DIR:-$SILTA_ROOT/../shared}/fhir-server-peer"
  local dest="$SILTA_ROOT/.cache/fhir-peer"
  if [[ -x "$dest/node_modules/.bin/node" ]] && cmp -s "$src/package.json" "$dest/package.json"; then
    return 0
  fi
  log "Installing the FHIR peer server (npm) into .cache/fhir-peer"
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$src/fhir-peer.mjs" "$src/test-peer.mjs" "$src/package.json" "$dest/"
  (cd "$dest" && npm install --no-audit --no-fund --loglevel=error >&2)
}
