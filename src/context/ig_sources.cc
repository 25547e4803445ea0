#include "context/ig_sources.h"

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <filesystem>

#include "base/files.h"
#include "context/context.h"
#include "formats/formats.h"
#include "json/json.h"

namespace silta::context {

namespace {

namespace fs = std::filesystem;

bool EndsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool IsTarball(const fs::path& p) {
  std::string name = p.filename().string();
  return EndsWith(name, ".tgz") || EndsWith(name, ".tar.gz") || EndsWith(name, ".tar");
}

bool IsResourceFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".json" || ext == ".xml";
}

bool IsPackageFolder(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p / "package" / "package.json", ec) ||
         fs::is_regular_file(p / "package.json", ec);
}

void ReportProblem(IssueSink& sink, Severity severity, const std::string& file, std::string message,
                   SourceLocation location = {}) {
  Issue issue;
  issue.severity = severity;
  issue.type = IssueType::kInvalid;
  issue.message_id = "IG_RESOURCE_INVALID";
  issue.message = std::move(message);
  issue.source = file;
  issue.location = location;
  sink.Report(std::move(issue));
}

// Copies the parse problems of a file to `sink` under the file's name; true when any was an
// error.
bool Forward(std::vector<Issue> found, const std::string& file, Severity at_most, IssueSink& sink) {
  bool error = false;
  for (Issue& issue : found) {
    issue.severity = std::min(issue.severity, at_most);
    issue.source = file;
    error |= issue.severity >= Severity::kError;
    sink.Report(std::move(issue));
  }
  return error;
}

// The loose resources of one --ig, collected as JSON texts named after their file.
struct LooseResources {
  std::vector<std::string> names;
  std::vector<std::string> texts;
  bool errors = false;
};

std::string ToJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// One file: a resource, or a Bundle whose entries are the resources (as the definitions are
// published: profiles-resources.json). XML is read through the element model and kept as JSON.
void ReadResourceFile(const fs::path& path, const std::shared_ptr<const model::TypeModel>& model,
                      IssueSink& sink, LooseResources& out) {
  const std::string file = path.string();
  auto text = ReadFile(path);
  if (!text.ok()) {
    ReportProblem(sink, Severity::kError, file, "cannot read the file: " + text.status().message());
    out.errors = true;
    return;
  }
  bool xml = path.extension() == ".xml";
  IssueCollector found;
  auto doc = xml ? formats::ParseXml(*text, model, found) : formats::ParseJson(*text, model, found);
  if (doc == nullptr || doc->root() == nullptr) {
    // Nothing could be read: malformed syntax, or not a FHIR resource at all.
    if (!Forward(found.Take(), file, Severity::kError, sink)) {
      ReportProblem(sink, Severity::kError, file, "not a FHIR resource");
    }
    out.errors = true;
    return;
  }
  std::string json;
  if (xml) {
    // What the XML reader had to drop is not in the loaded definition: worth a warning.
    Forward(found.Take(), file, Severity::kWarning, sink);
    json = formats::WriteJson(*doc->root(), {.pretty = false});
  } else {
    // The JSON is loaded as written; the element model's stricter reading of it (elements of
    // other FHIR versions in a definition) is not the definition's user's concern.
    json = std::move(*text);
  }
  if (doc->root()->type()->name != "Bundle") {
    out.names.push_back(file);
    out.texts.push_back(std::move(json));
    return;
  }
  rapidjson::Document bundle;
  bundle.Parse(json.data(), json.size());
  if (bundle.HasParseError()) return;
  const rapidjson::Value& root = bundle;
  rapidjson::SizeType n = 0;
  for (const auto& entry : json::ArrayMember(root, "entry").GetArray()) {
    const rapidjson::Value* resource = json::Member(entry, "resource");
    if (resource != nullptr && resource->IsObject()) {
      out.names.push_back(file + "#entry[" + std::to_string(n) + "]");
      out.texts.push_back(ToJson(*resource));
    }
    ++n;
  }
}

}  // namespace

StatusOr<IgSources> ReadIgSources(const std::vector<std::string>& igs,
                                  std::shared_ptr<const model::TypeModel> model,
                                  IssueSink& issues) {
  IgSources sources;
  bool errors = false;
  size_t loose_count = 0;
  for (const std::string& ig : igs) {
    fs::path path(ig);
    std::error_code ec;
    if (fs::is_directory(path, ec) && IsPackageFolder(path)) {
      // Read where it is: a copy in the cache would go stale as the folder changes.
      auto package = packages::Package::Load(path);
      if (!package.ok()) return package.status().Annotate("--ig " + ig);
      for (const auto& [name, version] : (*package)->manifest().dependencies) {
        sources.from_cache.push_back({name, version});
      }
      sources.local.push_back(std::move(*package));
      continue;
    }
    if (fs::is_regular_file(path, ec) && IsTarball(path)) {
      auto package = packages::Package::FromTarball(path);
      if (!package.ok()) return package.status().Annotate("--ig " + ig);
      for (const auto& [name, version] : (*package)->manifest().dependencies) {
        sources.from_cache.push_back({name, version});
      }
      sources.local.push_back(std::move(*package));
      continue;
    }
    LooseResources loose;
    if (fs::is_directory(path, ec)) {
      // A folder of loose resources: its own files, not its subfolders (examples, outputs).
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (entry.is_regular_file(ec) && IsResourceFile(entry.path()) &&
            entry.path().filename().string().front() != '.') {
          files.push_back(entry.path());
        }
      }
      if (ec) return IoError("--ig " + ig + ": cannot list the folder: " + ec.message());
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) ReadResourceFile(file, model, issues, loose);
    } else if (fs::is_regular_file(path, ec)) {
      if (!IsResourceFile(path)) {
        return InvalidArgumentError(
            "--ig " + ig +
            ": not a conformance resource (.json or .xml), a package (.tgz) or a folder");
      }
      ReadResourceFile(path, model, issues, loose);
    } else if (ig.find('#') == std::string::npos &&
               (ig.find('/') != std::string::npos || IsResourceFile(path) || IsTarball(path))) {
      return NotFoundError("--ig " + ig + ": no such file or folder");
    } else {
      size_t separator = ig.find_first_of("#@");
      sources.from_cache.push_back({ig.substr(0, separator), separator == std::string::npos
                                                                 ? "latest"
                                                                 : ig.substr(separator + 1)});
      continue;
    }
    errors |= loose.errors;
    if (loose.texts.empty()) continue;
    sources.local.push_back(packages::Package::FromNamedResources(
        {"silta.ig.local" + std::to_string(++loose_count), "0.0.0"}, std::move(loose.names),
        std::move(loose.texts)));
  }
  if (errors) {
    return InvalidArgumentError("the --ig files have errors (listed above with their places)");
  }
  return sources;
}

}  // namespace silta::context
