// silta map to-fhir | from-fhir: client records ⇄ FHIR Bundles through
// the mapping modules.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "base/files.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/record_inputs.h"
#include "context/context.h"
#include "context/definitions.h"
#include "context/resource_check.h"
#include "formats/formats.h"
#include "mapping/mapping.h"
#include "records/records.h"

namespace silta::cli {
namespace {

namespace fs = std::filesystem;

// --out and --mappings, the same for both directions.
void AddOutputAndMappingsOptions(CLI::App& app, std::string& out_dir, std::string& mappings_dir) {
  app.add_option("--out", out_dir, "output folder, or '-' for standard output")
      ->capture_default_str();
  app.add_option("--mappings", mappings_dir, "folder of mapping modules (env SILTA_MAPPINGS)")
      ->capture_default_str();
}

StatusOr<std::shared_ptr<const mapping::Mapper>> LoadMapper(const std::string& dir,
                                                            mapping::BundleKind kind) {
  mapping::MapperOptions options;
  options.bundle_kind = kind;
  return context::LoadMappingsToRun(dir, options);
}

// Creates the output folder (nothing to do for "-"); false, with a message, when it cannot.
bool CreateOutputDir(const std::string& out_dir, std::ostream& err) {
  if (out_dir == "-") return true;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) err << "silta map: cannot create " << out_dir << ": " << ec.message() << "\n";
  return !ec;
}

// Writes `text` to OUT/<name> atomically, or to `out` when the folder is "-".
Status Emit(const std::string& out_dir, const std::string& name, const std::string& text,
            std::ostream& out) {
  if (out_dir == "-") {
    out << text << "\n";
    return Status::Ok();
  }
  return WriteFileAtomically(fs::path(out_dir) / name, text + "\n");
}

int RunToFhir(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Map client records (JSON, XML or NDJSON; the contract in docs/client-record-contract.md)\n"
      "to FHIR R4 Bundles through the mapping modules. Every produced resource is validated\n"
      "before anything is written; a record with a problem is reported whole and nothing of it\n"
      "is written (exit 1).",
      "silta map to-fhir"};
  std::vector<std::string> inputs;
  std::string out_dir = "out/fhir";
  std::string bundle_kind = "transaction";
  std::string mappings_dir = context::DefaultMappingsDir();
  bool compact = false;
  app.add_option("records", inputs, "record files or folders ('-' for standard input)")->required();
  app.add_option("--bundle", bundle_kind, "Bundle type")
      ->check(CLI::IsMember({"transaction", "collection"}))
      ->capture_default_str();
  AddOutputAndMappingsOptions(app, out_dir, mappings_dir);
  app.add_flag("--compact", compact, "no indentation");
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;

  auto mapper =
      LoadMapper(mappings_dir, bundle_kind == "transaction" ? mapping::BundleKind::kTransaction
                                                            : mapping::BundleKind::kCollection);
  if (!mapper.ok()) return Fail(err, "map", mapper.status());
  auto checker = context::ResourceChecker::Create();
  if (!checker.ok()) return Fail(err, "map", checker.status());
  auto paths = ExpandInputs(inputs, {".json", ".xml", ".ndjson", ".jsonl"});
  if (!paths.ok()) return Fail(err, "map", paths.status());
  if (!CreateOutputDir(out_dir, err)) return kExitUsage;
  int mapped = 0;
  int rejected = 0;
  for (const fs::path& path : *paths) {
    auto text = ReadInput(path);
    if (!text.ok()) return Fail(err, "map", text.status());
    IssueCollector read_issues;
    for (auto& input : ReadRecords(path, *text, read_issues)) {
      IssueCollector issues;
      std::optional<json::Value> bundle;
      if (input.record) {
        bundle = (*mapper)->ToFhir(*input.record, issues);
        if (bundle) (*checker)->CheckBundle(*bundle, path.string(), issues);
      }
      if (!input.record || !bundle || issues.HasErrors()) {
        ++rejected;
        PrintErrors(issues.issues(), err);
        err << "silta map: " << input.name << ": rejected, nothing written\n";
        continue;
      }
      Status written = Emit(out_dir, input.name + ".bundle.json", bundle->ToString(!compact), out);
      if (!written.ok()) {
        return Fail(err, "map", written);
      }
      ++mapped;
    }
    PrintIssues(read_issues.issues(), err);
  }
  err << "silta map to-fhir: " << mapped << " record(s) mapped, " << rejected << " rejected\n";
  return rejected > 0 ? kExitDataProblem : kExitOk;
}

int RunFromFhir(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Map FHIR Bundles made from client records (by 'silta map to-fhir', or the same\n"
      "resources read back from a server) back to client records.",
      "silta map from-fhir"};
  std::vector<std::string> inputs;
  std::string out_dir = "out/records";
  std::string format_name = "json";
  std::string mappings_dir = context::DefaultMappingsDir();
  app.add_option("bundles", inputs, "Bundle files or folders ('-' for standard input)")->required();
  app.add_option("--format", format_name, "record format")
      ->check(CLI::IsMember({"json", "xml"}))
      ->capture_default_str();
  AddOutputAndMappingsOptions(app, out_dir, mappings_dir);
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;
  auto mapper = LoadMapper(mappings_dir, mapping::BundleKind::kCollection);
  if (!mapper.ok()) return Fail(err, "map", mapper.status());
  auto paths = ExpandInputs(inputs, {".json"});
  if (!paths.ok()) return Fail(err, "map", paths.status());
  if (!CreateOutputDir(out_dir, err)) return kExitUsage;
  records::Format format = format_name == "xml" ? records::Format::kXml : records::Format::kJson;
  int mapped = 0;
  int rejected = 0;
  for (const fs::path& path : *paths) {
    auto text = ReadInput(path);
    if (!text.ok()) return Fail(err, "map", text.status());
    IssueCollector issues;
    std::optional<records::ClientRecord> record;
    auto bundle = json::Value::Parse(*text, path.string());
    if (!bundle.ok()) {
      err << "silta map: " << bundle.status().message() << "\n";
    } else if (auto json = (*mapper)->FromFhir(*bundle, issues)) {
      // The rebuilt record must meet the contract like any record read from a CRM.
      records::ReadOptions options;
      options.source_name = path.string() + " (mapped back)";
      record = records::ReadJson(json->ToString(), issues, options);
    }
    PrintIssues(issues.issues(), err);
    if (!record) {
      ++rejected;
      err << "silta map: " << path.string() << ": not mapped back, nothing written\n";
      continue;
    }
    std::string name = path == "-" ? "stdin" : path.stem().string();
    if (name.ends_with(".bundle")) name.resize(name.size() - 7);
    name += format == records::Format::kXml ? ".xml" : ".json";
    Status written = Emit(out_dir, name, records::Write(*record, format), out);
    if (!written.ok()) {
      return Fail(err, "map", written);
    }
    ++mapped;
  }
  err << "silta map from-fhir: " << mapped << " record(s) written, " << rejected << " rejected\n";
  return rejected > 0 ? kExitDataProblem : kExitOk;
}

}  // namespace

int RunMapCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "to-fhir") {
    return RunToFhir({args.begin() + 1, args.end()}, out, err);
  }
  if (!args.empty() && args[0] == "from-fhir") {
    return RunFromFhir({args.begin() + 1, args.end()}, out, err);
  }
  std::ostream& stream = args.empty() ? err : out;
  bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
  if (!help && !args.empty()) err << "silta map: unknown subcommand '" << args[0] << "'\n";
  stream << "Usage: silta map to-fhir RECORD... [--out DIR|-] [--bundle transaction|collection]\n"
            "       silta map from-fhir BUNDLE|DIR... [--out DIR|-] [--format json|xml]\n"
            "Run 'silta map to-fhir --help' for details.\n";
  return help ? kExitOk : kExitUsage;
}

}  // namespace silta::cli
