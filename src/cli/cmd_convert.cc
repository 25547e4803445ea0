// silta convert: FHIR JSON ⇄ XML for one resource per file.
#include <filesystem>

#include "base/files.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "context/context.h"
#include "formats/formats.h"

namespace silta::cli {

namespace {

struct ConvertJob {
  std::string input;   // path or "-"
  std::string output;  // path or "-"
  formats::Format to;
};

// Converts one file. Issues go to `err`; nothing is written when the input has errors.
int ConvertOne(const ConvertJob& job, const std::shared_ptr<const model::TypeModel>& model,
               const formats::ParseOptions& parse_options, bool pretty, std::ostream& out,
               std::ostream& err) {
  StatusOr<std::string> text = ReadInput(job.input);
  if (!text.ok()) return Fail(err, "convert", text.status());
  std::optional<formats::Format> from = formats::SniffFormat(*text);
  if (!from) {
    err << (job.input == "-" ? "<stdin>" : job.input)
        << ":1:1: error: neither JSON nor XML (the first character must be '{' or '<')\n";
    return kExitDataProblem;
  }
  formats::ParseOptions options = parse_options;
  options.source_name = job.input == "-" ? "<stdin>" : job.input;
  IssueCollector issues;
  std::unique_ptr<model::Document> doc = formats::Parse(*text, *from, model, issues, options);
  PrintIssues(issues.issues(), err);
  if (doc == nullptr || issues.HasErrors()) {
    err << "silta convert: " << options.source_name << " was not converted ("
        << issues.Count(Severity::kError) << " error(s))\n";
    return kExitDataProblem;
  }
  formats::WriteOptions write_options;
  write_options.pretty = pretty;
  std::string result = formats::Write(*doc->root(), job.to, write_options);
  if (job.output == "-") {
    out << result;
    return kExitOk;
  }
  Status written = WriteFileAtomically(job.output, result);
  if (!written.ok()) {
    return Fail(err, "convert", written);
  }
  return kExitOk;
}

}  // namespace

int RunConvertCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Convert FHIR R4 resources between JSON and XML.\n\n"
      "  silta convert IN OUT            one file; '-' is standard input/output\n"
      "  silta convert --out-dir DIR IN...  many files, written as DIR/<name>.<format>\n\n"
      "The input format is detected from the content. The output format comes from --to, or\n"
      "from OUT's extension (.json/.xml). Input with errors is reported with line and column\n"
      "and is not converted (exit 1). Output files are written atomically.",
      "silta convert"};
  std::vector<std::string> paths;
  std::string to_name;
  std::string out_dir;
  bool compact = false;
  bool allow_unknown = false;
  app.add_option("paths", paths, "IN OUT, or the inputs when --out-dir is given")->required();
  app.add_option("--to", to_name, "output format")->check(CLI::IsMember({"json", "xml"}));
  app.add_option("--out-dir", out_dir, "folder for the outputs of many inputs");
  app.add_flag("--compact", compact, "no indentation");
  app.add_flag("--allow-unknown-elements", allow_unknown,
               "skip elements FHIR does not define instead of failing");
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;

  std::vector<ConvertJob> jobs;
  std::optional<formats::Format> to = formats::FormatFromName(to_name);
  if (!out_dir.empty()) {
    if (!to) {
      return Fail(err, "convert", "--out-dir needs --to json|xml");
    }
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) {
      err << "silta convert: cannot create " << out_dir << ": " << ec.message() << "\n";
      return kExitUsage;
    }
    for (const std::string& in : paths) {
      if (in == "-") {
        return Fail(err, "convert", "'-' cannot be used with --out-dir");
      }
      std::filesystem::path target =
          std::filesystem::path(out_dir) / std::filesystem::path(in).stem();
      target += *to == formats::Format::kJson ? ".json" : ".xml";
      jobs.push_back({in, target.string(), *to});
    }
  } else {
    if (paths.size() != 2) {
      return Fail(err, "convert", "expected IN and OUT (or --out-dir DIR with inputs)");
    }
    if (!to && paths[1] != "-") to = formats::FormatFromPath(paths[1]);
    if (!to) {
      return Fail(err, "convert", "cannot tell the output format; give --to json|xml");
    }
    jobs.push_back({paths[0], paths[1], *to});
  }

  StatusOr<std::shared_ptr<const model::TypeModel>> model = context::CoreTypeModel();
  if (!model.ok()) return Fail(err, "convert", model.status());
  formats::ParseOptions options;
  options.allow_unknown_elements = allow_unknown;
  int worst = kExitOk;
  size_t failed = 0;
  for (const ConvertJob& job : jobs) {
    int code = ConvertOne(job, *model, options, !compact, out, err);
    if (code != kExitOk) ++failed;
    worst = std::max(worst, code);
  }
  if (jobs.size() > 1) {
    err << "silta convert: " << (jobs.size() - failed) << " converted, " << failed << " failed\n";
  }
  return worst;
}

}  // namespace silta::cli
