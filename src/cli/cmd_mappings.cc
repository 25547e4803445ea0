// silta mappings list | check | coverage | test: the tools of developers who extend the mapping
// modules, a thin front end to src/maptools.
#include <filesystem>
#include <sstream>

#include "base/files.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "context/context.h"
#include "context/definitions.h"
#include "context/resource_check.h"
#include "maptools/maptools.h"

namespace silta::cli {
namespace {

namespace fs = std::filesystem;

// The folder of example records beside a mappings folder (the repository's layout).
std::string DefaultRecordsDir(const std::string& mappings_dir) {
  return (fs::path(mappings_dir).lexically_normal().parent_path() / "examples" / "records")
      .string();
}

// The modules of `dir` as they are, without the checks of `silta mappings check`: list and
// coverage describe a folder that may not pass them yet.
StatusOr<std::shared_ptr<const mapping::Mapper>> LoadModules(const std::string& dir) {
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const model::TypeModel> model, context::CoreTypeModel());
  return mapping::Mapper::Load(dir, model);
}

int List(const std::string& dir, std::ostream& out, std::ostream& err) {
  auto mapper = LoadModules(dir);
  if (!mapper.ok()) return Fail(err, "mappings", mapper.status());
  for (const auto& m : (*mapper)->modules()) {
    std::string items;
    for (int item : m->akusti) items += (items.empty() ? "" : ",") + std::to_string(item);
    out << m->name << "\t" << (m->is_root() ? "$" : m->source.text) << " → " << m->resource_type
        << "\t" << m->profile << "\tAKUSTI " << (items.empty() ? "-" : items) << " ("
        << m->governance << ")\t" << m->rules.size() << " rule(s)\n";
  }
  return kExitOk;
}

// Runs the check; the mapper when it loaded, with `*problems` the number of errors.
StatusOr<std::shared_ptr<const mapping::Mapper>> Check(const std::string& dir, std::ostream& err,
                                                       size_t* problems) {
  SILTA_ASSIGN_OR_RETURN(maptools::Definitions definitions, context::LoadMappingDefinitions());
  IssueCollector issues;
  SILTA_ASSIGN_OR_RETURN(auto mapper, maptools::CheckMappings(dir, definitions, issues));
  PrintIssues(issues.issues(), err);
  *problems = issues.Count(Severity::kError);
  return mapper;
}

int RunCheck(const std::string& dir, std::ostream& err) {
  size_t problems = 0;
  auto mapper = Check(dir, err, &problems);
  if (!mapper.ok()) return Fail(err, "mappings", mapper.status());
  if (*mapper == nullptr || problems > 0) {
    err << "silta mappings check: " << dir << ": " << problems << " problem(s)\n";
    return kExitDataProblem;
  }
  err << "silta mappings check: " << dir << ": " << (*mapper)->modules().size()
      << " module(s), every contract field accounted for, no problems\n";
  return kExitOk;
}

int RunCoverage(const std::string& dir, const std::string& format, const std::string& out_file,
                const std::vector<std::string>& update_docs,
                const std::vector<std::string>& check_docs, std::ostream& out, std::ostream& err) {
  auto mapper = LoadModules(dir);
  if (!mapper.ok()) return Fail(err, "mappings", mapper.status());
  maptools::Coverage coverage = maptools::BuildCoverage(**mapper);
  int code = coverage.unaccounted.empty() ? kExitOk : kExitDataProblem;
  for (const std::string& field : coverage.unaccounted) {
    err << "silta mappings coverage: unaccounted contract field " << field << "\n";
  }
  if (!update_docs.empty() || !check_docs.empty()) {
    for (const std::string& doc : update_docs) {
      auto page = ReadFile(doc);
      auto regenerated = page.ok() ? maptools::RegenerateDocBlocks(*page, coverage)
                                   : StatusOr<std::string>(page.status());
      Status written =
          regenerated.ok()
              ? (*regenerated == *page ? Status::Ok() : WriteFileAtomically(doc, *regenerated))
              : regenerated.status();
      if (!written.ok()) {
        err << "silta mappings coverage: " << doc << ": " << written.message() << "\n";
        return kExitUsage;
      }
    }
    for (const std::string& doc : check_docs) {
      auto page = ReadFile(doc);
      auto regenerated = page.ok() ? maptools::RegenerateDocBlocks(*page, coverage)
                                   : StatusOr<std::string>(page.status());
      if (!regenerated.ok()) {
        err << "silta mappings coverage: " << doc << ": " << regenerated.status().message() << "\n";
        return kExitUsage;
      }
      if (page->find("\n<!-- BEGIN silta mappings coverage: ") == std::string::npos) {
        // A page that lost its markers would otherwise pass forever.
        err << "silta mappings coverage: " << doc << " has no generated coverage table\n";
        code = kExitDataProblem;
      } else if (*regenerated != *page) {
        err << "silta mappings coverage: " << doc
            << " is stale: its generated tables differ from the mappings (run silta mappings "
               "coverage --update-doc "
            << doc << ")\n";
        code = kExitDataProblem;
      }
    }
    return code;
  }
  maptools::CoverageFormat kind = format == "markdown" ? maptools::CoverageFormat::kMarkdown
                                  : format == "html"   ? maptools::CoverageFormat::kHtml
                                                       : maptools::CoverageFormat::kText;
  std::string text = maptools::RenderCoverage(coverage, kind);
  if (out_file.empty() || out_file == "-") {
    out << text;
  } else if (Status written = WriteFileAtomically(out_file, text); !written.ok()) {
    return Fail(err, "mappings coverage", written);
  }
  return code;
}

int RunTest(const std::string& dir, const std::string& records_dir, bool update, std::ostream& out,
            std::ostream& err) {
  size_t problems = 0;
  auto mapper = Check(dir, err, &problems);
  if (!mapper.ok()) return Fail(err, "mappings", mapper.status());
  if (*mapper == nullptr || problems > 0) {
    err << "silta mappings test: " << dir << " does not pass 'silta mappings check' (" << problems
        << " problem(s))\n";
    return kExitDataProblem;
  }
  auto checker = context::ResourceChecker::Create();
  if (!checker.ok()) return Fail(err, "mappings", checker.status());
  std::shared_ptr<const context::ResourceChecker> shared = std::move(*checker);
  maptools::TestOptions options;
  options.records_dir = records_dir.empty() ? DefaultRecordsDir(dir) : records_dir;
  options.update = update;
  auto report = maptools::RunMappingTests(
      **mapper, options,
      [shared](const json::Value& bundle, const std::string& source, IssueSink& sink) {
        shared->CheckBundle(bundle, source, sink);
      },
      out);
  if (!report.ok()) return Fail(err, "mappings test", report.status());
  if (report->cases == 0) {
    err << "silta mappings test: no cases (records in " << options.records_dir
        << ", or testdata/<name>.record.json in a module)\n";
    return kExitDataProblem;
  }
  return report->ok() ? kExitOk : kExitDataProblem;
}

}  // namespace

int RunMappingsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "The mapping modules (mappings/README.md):\n"
      "  list      what each module maps, to which resource and profile, with which items\n"
      "  check     every record path a contract field, every FHIR path defined by the resource\n"
      "            or its profile, every code map entry in its value set, every contract field\n"
      "            mapped or listed as unmapped (exit 1 with file:line:column otherwise)\n"
      "  coverage  contract field -> module -> FHIR element -> AKUSTI item -> level\n"
      "  test      each module's testdata cases: record -> Bundle (validated) -> record",
      "silta mappings"};
  std::string action = "list";
  std::string dir;
  std::string mappings_option;
  std::string format = "text";
  std::string out_file;
  std::string records_dir;
  std::vector<std::string> update_docs;
  std::vector<std::string> check_docs;
  bool update = false;
  app.add_option("action", action, "list, check, coverage or test")
      ->check(CLI::IsMember({"list", "check", "coverage", "test"}))
      ->capture_default_str();
  app.add_option("dir", dir, "folder of mapping modules (default: --mappings, env SILTA_MAPPINGS)");
  app.add_option("--mappings", mappings_option, "folder of mapping modules (env SILTA_MAPPINGS)");
  app.add_option("--format", format, "coverage: output format")
      ->check(CLI::IsMember({"text", "markdown", "html"}))
      ->capture_default_str();
  app.add_option("--out", out_file, "coverage: output file (default standard output)");
  app.add_option("--update-doc", update_docs,
                 "coverage: regenerate the coverage tables between the marker comments of these "
                 "Markdown files (repeat the option for each)")
      ->allow_extra_args(false);
  app.add_option("--check-doc", check_docs,
                 "coverage: exit 1 when the coverage tables of these Markdown files are stale "
                 "(repeat the option for each)")
      ->allow_extra_args(false);
  app.add_option("--records", records_dir,
                 "test: the example records the golden files are named after (default: "
                 "examples/records beside the mappings folder)");
  app.add_flag("--update", update, "test: rewrite the golden files instead of comparing");
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;
  if (dir.empty()) dir = mappings_option.empty() ? context::DefaultMappingsDir() : mappings_option;
  if (action == "check") return RunCheck(dir, err);
  if (action == "coverage") {
    return RunCoverage(dir, format, out_file, update_docs, check_docs, out, err);
  }
  if (action == "test") return RunTest(dir, records_dir, update, out, err);
  return List(dir, out, err);
}

}  // namespace silta::cli
