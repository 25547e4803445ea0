// libFuzzer target for the FHIR package reader (src/packages). An input that starts with '{' is
// a package.json (ParseManifest) and a resource file's top level (ScanResource); anything else
// is an npm tarball (gzip'd or plain tar), installed into a scratch cache and loaded: libarchive
// extraction with its limits, package.json, .index.json and the resource scan, then every
// indexed resource read back. Any input must give an error or a package, never a crash, a leak,
// undefined behaviour, or a file outside the scratch cache.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "packages/internal.h"
#include "packages/packages.h"

namespace {

namespace fs = std::filesystem;
namespace pk = silta::packages;

fs::path g_dir;  // per process: parallel fuzzing jobs must not share it
fs::path g_tarball;
fs::path g_cache;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fs::path base = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path();
  g_dir = base / ("silta-fuzz-packages-" + std::to_string(::getpid()));
  g_tarball = g_dir / "input.tgz";
  g_cache = g_dir / "cache";
  fs::remove_all(g_dir);
  fs::create_directories(g_dir);
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(g_dir, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (!bytes.empty() && bytes.front() == '{') {
    auto manifest = pk::ParseManifest(bytes, "package.json");
    if (manifest.ok()) (void)pk::CompareVersions(manifest->version, "4.0.1");
    (void)pk::internal::ScanResource(bytes);
    return 0;
  }
  {
    std::ofstream out(g_tarball, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) std::abort();
  }
  // Small limits: the fuzzer should reach them, and a zip bomb must not fill the disk.
  pk::ExtractionLimits limits{
      .max_total_bytes = 4 << 20, .max_entry_bytes = 1 << 20, .max_entries = 1000};
  {
    pk::PackageCache cache(g_cache, limits);
    auto installed = cache.InstallTarball(g_tarball);
    if (installed.ok()) {
      if (installed->folder.parent_path() != g_cache) {
        std::cerr << "installed outside the cache: " << installed->folder << "\n";
        std::abort();
      }
      auto package = cache.Load(installed->id.name, installed->id.version);
      if (package.ok()) {
        for (const pk::ResourceEntry& entry : (*package)->entries()) {
          (void)(*package)->ReadResource(entry);
          (void)(*package)->FindByUrl(entry.url);
        }
      }
    }
  }
  // Whatever the archive held, nothing may have been written beside the cache and the input.
  for (const auto& item : fs::directory_iterator(g_dir)) {
    if (item.path() != g_tarball && item.path() != g_cache) {
      std::cerr << "the package wrote outside its cache: " << item.path() << "\n";
      std::abort();
    }
  }
  fs::remove_all(g_cache);
  return 0;
}
