// silta: the command-line entry point. Dispatches to one subcommand per module capability.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/lifetime.h"
#include "cli/commands.h"

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>&, std::ostream&, std::ostream&);
};

constexpr Command kCommands[] = {
    {"convert", "convert FHIR resources between JSON and XML", silta::cli::RunConvertCommand},
    {"fhirpath", "evaluate FHIRPath expressions against a resource",
     silta::cli::RunFhirpathCommand},
    {"map", "map client records to FHIR Bundles and back", silta::cli::RunMapCommand},
    {"mappings", "list, check, cover and test the mapping modules", silta::cli::RunMappingsCommand},
    {"packages", "list and install FHIR packages in the local package cache",
     silta::cli::RunPackagesCommand},
    {"queue", "list, requeue and discard the records silta serve could not push",
     silta::cli::RunQueueCommand},
    {"serve", "run the adapter as an HTTP service", silta::cli::RunServeCommand},
    {"sync", "push client records to FHIR servers and pull changes back",
     silta::cli::RunSyncCommand},
    {"validate", "validate FHIR resources against R4 and profiles", silta::cli::RunValidateCommand},
};

void PrintUsage(std::ostream& out) {
  out << "Silta: FHIR R4 interoperability adapter for Finnish social and health care.\n\n"
         "Usage: silta <command> [options]\n\nCommands:\n";
  for (const Command& c : kCommands) {
    out << "  " << c.name << std::string(12 - c.name.size(), ' ') << c.summary << "\n";
  }
  out << "\nRun 'silta <command> --help' for the options of a command.\n"
         "Exit codes: 0 ok, 1 the data has problems, 2 usage or I/O problems.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  silta::EnableKeepUntilProcessExit();
  if (argc < 2) {
    PrintUsage(std::cerr);
    return silta::cli::kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(std::cout);
    return silta::cli::kExitOk;
  }
  if (name == "--version") {
    std::cout << "silta " << SILTA_VERSION << "\n";
    return silta::cli::kExitOk;
  }
  for (const Command& c : kCommands) {
    if (c.name == name) {
      std::vector<std::string> args(argv + 2, argv + argc);
      int code;
      try {
        code = c.run(args, std::cout, std::cerr);
      } catch (const std::exception& e) {
        // A bug, or memory exhaustion: say so instead of aborting with a core dump.
        std::cerr << "silta " << name << ": internal error: " << e.what() << "\n";
        return silta::cli::kExitUsage;
      } catch (...) {
        std::cerr << "silta " << name << ": internal error (a non-standard exception)\n";
        return silta::cli::kExitUsage;
      }
      std::cout.flush();
      return code;
    }
  }
  std::cerr << "silta: unknown command '" << name << "'\n\n";
  PrintUsage(std::cerr);
  return silta::cli::kExitUsage;
}
