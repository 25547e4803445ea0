// silta mappings test: each module's testdata cases through mapping, validation and back.
#include <algorithm>
#include <map>
#include <memory_resource>
#include <set>

#include "base/files.h"
#include "formats/json_tree.h"
#include "maptools/maptools.h"
#include "records/records.h"

namespace silta::maptools {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name;  // golden file stem
  std::string source;
  std::optional<records::ClientRecord> record;
  std::string read_problems;
  const mapping::Module* only = nullptr;  // a module's own case: only its resources compared
};

std::string Describe(const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& issue : issues) {
    if (issue.severity < Severity::kError) continue;
    out += "\n    " + FormatIssue(issue);
  }
  return out;
}

void ReadCases(const fs::path& file, const std::string& stem, const mapping::Module* only,
               std::vector<Case>& out) {
  auto text = ReadFile(file);
  if (!text.ok()) {
    out.push_back({stem, file.string(), std::nullopt, text.status().message(), only});
    return;
  }
  std::string ext = file.extension().string();
  records::ReadOptions options;
  options.source_name = file.string();
  if (ext == ".ndjson" || ext == ".jsonl") {
    IssueCollector issues;
    for (auto& entry : records::ReadNdjson(*text, issues, options)) {
      out.push_back({stem + "." + std::to_string(entry.line),
                     file.string() + ":" + std::to_string(entry.line), std::move(entry.record),
                     entry.record ? "" : Describe(issues.issues()), only});
    }
    return;
  }
  IssueCollector issues;
  auto record = records::Read(*text, ext == ".xml" ? records::Format::kXml : records::Format::kJson,
                              issues, options);
  out.push_back({stem, file.string(), std::move(record), Describe(issues.issues()), only});
}

StatusOr<std::vector<fs::path>> SortedFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  if (ec) return IoError("cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

bool IsRecordFile(const fs::path& file) {
  std::string ext = file.extension().string();
  return ext == ".json" || ext == ".xml" || ext == ".ndjson" || ext == ".jsonl";
}

// The first difference between two JSON texts, as a JSON-pointer-like path and what differs.
std::string FirstDifference(const std::string& expected, const std::string& actual) {
  std::pmr::monotonic_buffer_resource arena;
  formats::JsonNode a, b;
  formats::JsonParseError error;
  if (!formats::ParseJsonTree(expected, &arena, 256, &a, &error)) {
    return "the golden file is not JSON (byte " + std::to_string(error.offset) + ")";
  }
  if (!formats::ParseJsonTree(actual, &arena, 256, &b, &error)) return "the output is not JSON";
  std::string diff = formats::JsonDiff(a, b);
  return diff.empty() ? "same JSON, different text (indentation or member order)"
                      : "first difference at " + diff + " (golden vs mapped)";
}

}  // namespace

StatusOr<TestReport> RunMappingTests(const mapping::Mapper& mapper, const TestOptions& options,
                                     const BundleCheck& check, std::ostream& log) {
  std::vector<Case> cases;
  if (!options.records_dir.empty()) {
    SILTA_ASSIGN_OR_RETURN(auto files, SortedFiles(options.records_dir));
    for (const fs::path& file : files) {
      if (IsRecordFile(file)) ReadCases(file, file.stem().string(), nullptr, cases);
    }
  }
  for (const auto& module : mapper.modules()) {
    SILTA_ASSIGN_OR_RETURN(auto files, SortedFiles(module->folder / "testdata"));
    for (const fs::path& file : files) {
      std::string name = file.filename().string();
      for (std::string_view suffix : {".record.json", ".record.xml"}) {
        if (name.ends_with(suffix)) {
          ReadCases(file, name.substr(0, name.size() - suffix.size()), module.get(), cases);
        }
      }
    }
  }
  TestReport report;
  // Golden files a case accounts for; what is left in testdata afterwards is stale.
  std::set<fs::path> expected_files;
  for (const Case& c : cases) {
    ++report.cases;
    std::vector<std::string> failures;
    auto fail = [&](std::string what) { failures.push_back(std::move(what)); };
    std::optional<json::Value> bundle;
    if (!c.record) {
      fail("the record does not meet the contract:" + c.read_problems);
    } else {
      IssueCollector issues;
      bundle = mapper.ToFhir(*c.record, issues);
      if (bundle && check) check(*bundle, c.source, issues);
      if (!bundle || issues.HasErrors()) {
        fail("mapping to FHIR or the profiles report errors:" + Describe(issues.issues()));
        bundle.reset();
      }
    }
    if (bundle) {
      IssueCollector again_issues;
      auto again = mapper.ToFhir(*c.record, again_issues);
      if (!again || again->ToString() != bundle->ToString()) {
        fail("mapping the record twice gives different Bundles");
      }
      std::map<std::string, json::Value> by_module;
      for (const auto& module : mapper.modules()) by_module[module->name] = json::Value::Array();
      if (const json::Value* entries = bundle->Find("entry")) {
        for (const json::Value& entry : entries->items()) {
          const json::Value* resource = entry.Find("resource");
          const json::Value* ids = resource != nullptr ? resource->Find("identifier") : nullptr;
          std::optional<mapping::PartIdentity> part;
          for (const json::Value& id : ids != nullptr ? ids->items() : std::vector<json::Value>{}) {
            const json::Value* system = id.Find("system");
            const json::Value* value = id.Find("value");
            if (system != nullptr && value != nullptr &&
                system->text() == mapper.PartIdentifierSystem()) {
              part = mapping::Mapper::ParsePartIdentifierValue(value->text());
            }
          }
          if (part && by_module.contains(part->module)) {
            by_module[part->module].Append(*resource);
          } else {
            fail("a resource of the Bundle names no module in its part identifier");
          }
        }
      }
      for (const auto& module : mapper.modules()) {
        if (c.only != nullptr && c.only != module.get()) continue;
        fs::path golden = module->folder / "testdata" / (c.name + ".json");
        const json::Value& resources = by_module[module->name];
        std::string actual = resources.ToString(true) + "\n";
        if (!resources.items().empty()) expected_files.insert(golden);
        if (options.update) {
          if (resources.items().empty()) {
            std::error_code ec;
            fs::remove(golden, ec);
          } else {
            SILTA_RETURN_IF_ERROR(WriteFileAtomically(golden, actual));
          }
          continue;
        }
        std::error_code ec;
        bool exists = fs::exists(golden, ec);
        if (resources.items().empty()) {
          if (exists) fail(golden.string() + " exists, but the module made no resource");
          continue;
        }
        if (!exists) {
          fail(golden.string() + " is missing (silta mappings test --update writes it)");
          continue;
        }
        auto expected = ReadFile(golden);
        if (!expected.ok()) return expected.status();
        if (*expected != actual) {
          fail(golden.string() + " differs: " + FirstDifference(*expected, actual));
        }
      }
      IssueCollector back_issues;
      std::optional<json::Value> back = mapper.FromFhir(*bundle, back_issues);
      std::optional<records::ClientRecord> record;
      if (back) {
        records::ReadOptions read;
        read.source_name = c.source + " (mapped back)";
        record = records::ReadJson(back->ToString(), back_issues, read);
      }
      if (!record) {
        fail("mapping back to a record reports errors:" + Describe(back_issues.issues()));
      } else if (!records::RecordsEqual(*c.record, *record)) {
        fail("the record mapped back differs: " +
             FirstDifference(records::EqualityKey(*c.record), records::EqualityKey(*record)));
      }
    }
    if (failures.empty()) {
      ++report.passed;
      log << "PASS " << c.name << (c.only ? " (" + c.only->name + ")" : std::string()) << "\n";
    } else {
      log << "FAIL " << c.name << " (" << c.source << ")\n";
      for (const std::string& f : failures) log << "  " << f << "\n";
    }
  }
  // A golden file no case makes any more is stale: its record was renamed or removed.
  for (const auto& module : mapper.modules()) {
    SILTA_ASSIGN_OR_RETURN(auto files, SortedFiles(module->folder / "testdata"));
    for (const fs::path& file : files) {
      std::string name = file.filename().string();
      if (name.ends_with(".record.json") || name.ends_with(".record.xml")) continue;
      if (file.extension() != ".json" || expected_files.contains(file)) continue;
      if (options.update) {
        std::error_code ec;
        fs::remove(file, ec);
        continue;
      }
      ++report.cases;
      log << "FAIL " << file.string() << ": no case makes it (a record renamed or removed?)\n";
    }
  }
  log << report.passed << " of " << report.cases << " case(s) passed\n";
  return report;
}

}  // namespace silta::maptools
