// The `silta` subcommands. Each takes its arguments (without "silta <command>") and returns
// the process exit code: 0 ok, 1 the data has problems, 2 usage or I/O problems.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace silta::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDataProblem = 1;
inline constexpr int kExitUsage = 2;

int RunConvertCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunPackagesCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunFhirpathCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunMapCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunValidateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunSyncCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunServeCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunQueueCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunMappingsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace silta::cli
