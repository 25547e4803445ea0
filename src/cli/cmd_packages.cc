// silta packages: the local FHIR package cache.
#include <filesystem>
#include <optional>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "context/context.h"
#include "packages/packages.h"

namespace silta::cli {

namespace {

// "name@version" or "name#version".
bool SplitPackageSpec(std::string_view spec, packages::PackageId* id) {
  size_t at = spec.rfind('@');
  if (at == std::string_view::npos || at == 0) at = spec.rfind('#');
  if (at == std::string_view::npos || at == 0 || at + 1 == spec.size()) return false;
  id->name = std::string(spec.substr(0, at));
  id->version = std::string(spec.substr(at + 1));
  return true;
}

int List(packages::PackageCache& cache, std::ostream& out, std::ostream& err) {
  auto installed = cache.List();
  if (!installed.ok()) return Fail(err, "packages", installed.status());
  if (installed->empty()) {
    err << "no packages in " << cache.root().string() << "\n";
    return kExitOk;
  }
  for (const packages::PackageId& id : *installed) out << id.ToString() << "\n";
  return kExitOk;
}

int Install(packages::PackageCache& cache, const std::vector<std::string>& specs,
            const std::string& install_as_spec, std::ostream& out, std::ostream& err) {
  packages::NpmPackageSource npm;
  // A folder of conformance resources without package.json (as published on a web page)
  // becomes a package only under a name and version its user gives it.
  std::optional<packages::PackageId> install_as;
  if (!install_as_spec.empty()) {
    packages::PackageId as;
    std::error_code ec;
    if (!SplitPackageSpec(install_as_spec, &as)) {
      err << "silta packages install: --as wants NAME@VERSION, not '" << install_as_spec << "'\n";
      return kExitUsage;
    }
    if (specs.size() != 1 || !(std::filesystem::is_directory(specs[0], ec) ||
                               specs[0].ends_with(".tgz") || specs[0].ends_with(".tar.gz"))) {
      return Fail(err, "packages install", "--as names one package folder or tarball");
    }
    install_as = as;
  }
  int worst = kExitOk;
  for (const std::string& spec : specs) {
    StatusOr<packages::InstallResult> result = InternalError("no install method chosen");
    std::error_code ec;
    packages::PackageId id;
    if (std::filesystem::is_directory(spec, ec)) {
      result = cache.InstallFolder(spec, install_as);
    } else if (spec.size() > 4 && (spec.ends_with(".tgz") || spec.ends_with(".tar.gz"))) {
      result = cache.InstallTarball(spec, install_as);
    } else if (SplitPackageSpec(spec, &id)) {
      result = cache.Install(id.name, id.version, npm);
    } else {
      err << "silta packages install: '" << spec
          << "' is neither NAME@VERSION, a .tgz file nor a package folder\n";
      worst = kExitUsage;
      continue;
    }
    if (!result.ok()) {
      err << "silta packages install: " << spec << ": " << result.status().message() << "\n";
      worst = kExitUsage;
      continue;
    }
    out << result->id.ToString()
        << (result->already_installed ? " is already installed in " : " installed in ")
        << result->folder.string() << "\n";
    // Build the derived caches now, so the first real run does not pay for them.
    auto package = cache.Load(result->id.name, result->id.version);
    if (package.ok() && !(*package)->Specializations().empty()) {
      auto model = context::LoadTypeModel(**package);
      if (!model.ok()) {
        err << "silta packages install: " << result->id.ToString()
            << ": cannot build the type model: " << model.status().message() << "\n";
        worst = kExitUsage;
      }
    }
  }
  return worst;
}

}  // namespace

int RunPackagesCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Manage the local FHIR package cache ($SILTA_PACKAGE_CACHE, else ~/.fhir/packages).\n\n"
      "  silta packages list\n"
      "  silta packages install NAME@VERSION...   fetched with npm (e.g. hl7.fhir.r4.core@4.0.1)\n"
      "  silta packages install FILE.tgz|FOLDER   a package tarball or folder\n"
      "  silta packages install FOLDER --as NAME@VERSION\n"
      "                                          a folder of resources without package.json\n\n"
      "Installing is idempotent: an installed package is not fetched again.",
      "silta packages"};
  app.require_subcommand(1);
  CLI::App* list = app.add_subcommand("list", "list the installed packages");
  CLI::App* install = app.add_subcommand("install", "install packages into the cache");
  std::vector<std::string> specs;
  install->add_option("packages", specs, "NAME@VERSION, FILE.tgz or FOLDER")->required();
  std::string install_as;
  install->add_option("--as", install_as,
                      "install the one FOLDER or FILE.tgz given under this NAME@VERSION");
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;

  packages::PackageCache cache;
  if (list->parsed()) return List(cache, out, err);
  return Install(cache, specs, install_as, out, err);
}

}  // namespace silta::cli
