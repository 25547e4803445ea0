#include "cli/cli_util.h"

#include <algorithm>
#include <cstdlib>

#include "base/files.h"
#include "context/context.h"

namespace silta::cli {

int ParseArgs(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  // CLI11 consumes a reversed argument vector.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    err << app.get_name() << ": " << e.what() << "\n";
    err << "Run '" << app.get_name() << " --help' for usage.\n";
    return 2;
  }
  return -1;
}

void PrintIssues(const std::vector<Issue>& issues, std::ostream& err) {
  for (const Issue& issue : issues) err << FormatIssue(issue) << "\n";
}

void PrintErrors(const std::vector<Issue>& issues, std::ostream& err) {
  for (const Issue& issue : issues) {
    if (issue.severity >= Severity::kError) err << FormatIssue(issue) << "\n";
  }
}

int Fail(std::ostream& err, std::string_view command, std::string_view message, int exit_code) {
  err << "silta " << command << ": " << message << "\n";
  return exit_code;
}

int Fail(std::ostream& err, std::string_view command, const Status& status, int exit_code) {
  return Fail(err, command, status.message(), exit_code);
}

StatusOr<std::string> ReadInput(const std::string& path) {
  return path == "-" ? ReadStdin() : ReadFile(path);
}

}  // namespace silta::cli
