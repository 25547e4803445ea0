// Helpers shared by the subcommands: argument parsing with CLI11 and loading the definitions.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "model/type_model.h"

namespace silta::cli {

// Parses `args` into `app`. Returns an exit code to stop with (help shown: 0; bad usage: 2),
// or -1 to go on.
int ParseArgs(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

// The text of an input file, or of standard input for "-".
StatusOr<std::string> ReadInput(const std::string& path);

// Prints "silta <command>: <message>" to `err` and gives `exit_code` back, for
// `return Fail(err, "map", status);`: the one way a command stops on what it could not do.
int Fail(std::ostream& err, std::string_view command, std::string_view message, int exit_code = 2);
int Fail(std::ostream& err, std::string_view command, const Status& status, int exit_code = 2);

// Prints issues to `err` as "file:line:col: severity: message [path]".
void PrintIssues(const std::vector<Issue>& issues, std::ostream& err);
// Only the errors and fatal issues of `issues`.
void PrintErrors(const std::vector<Issue>& issues, std::ostream& err);

}  // namespace silta::cli
