#include "batch/inputs.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <system_error>

namespace silta::batch {

namespace fs = std::filesystem;

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kJson:
      return "json";
    case InputFormat::kXml:
      return "xml";
    case InputFormat::kNdjson:
      return "ndjson";
  }
  return "json";
}

std::optional<InputFormat> InputFormatFromPath(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".json") return InputFormat::kJson;
  if (ext == ".xml") return InputFormat::kXml;
  if (ext == ".ndjson" || ext == ".jsonl") return InputFormat::kNdjson;
  return std::nullopt;
}

namespace {

bool HasGlobMeta(std::string_view text) { return text.find_first_of("*?[") != std::string::npos; }

std::vector<std::string_view> SplitPath(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) slash = text.size();
    if (slash > start) parts.push_back(text.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool MatchParts(std::span<const std::string_view> pattern, std::span<const std::string_view> name) {
  if (pattern.empty()) return name.empty();
  if (pattern.front() == "**") {
    // Zero folders, or one more folder (never a hidden one) and try again.
    if (MatchParts(pattern.subspan(1), name)) return true;
    return !name.empty() && name.front().front() != '.' && MatchParts(pattern, name.subspan(1));
  }
  if (name.empty()) return false;
  std::string p(pattern.front());
  std::string n(name.front());
  if (::fnmatch(p.c_str(), n.c_str(), FNM_PERIOD) != 0) return false;
  return MatchParts(pattern.subspan(1), name.subspan(1));
}

bool IsHidden(const fs::path& path) {
  std::string name = path.filename().string();
  return name.size() > 1 && name[0] == '.' && name != "..";
}

// Reads the first bytes of a file with an unknown extension to tell JSON from XML.
std::optional<InputFormat> SniffFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[512];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  for (ssize_t i = 0; i < n; ++i) {
    char c = buf[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '{') return InputFormat::kJson;
    if (c == '<') return InputFormat::kXml;
    return std::nullopt;
  }
  return std::nullopt;
}

class Collector {
 public:
  void Add(const fs::path& path, std::string name, InputFormat format) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(path, ec);
    if (ec) key = path;
    if (!seen_.insert(key.string()).second) return;
    uint64_t size = fs::file_size(path, ec);
    inputs_.push_back({path, std::move(name), format, ec ? 0 : size});
  }
  std::vector<InputFile> Take() { return std::move(inputs_); }

 private:
  std::set<std::string> seen_;
  std::vector<InputFile> inputs_;
};

std::string Join(const fs::path& base, const fs::path& relative) {
  return base.empty() ? relative.generic_string() : (base / relative).generic_string();
}

// Files under `root` whose relative path passes `accept`, sorted for repeatable runs.
StatusOr<std::vector<fs::path>> Walk(const fs::path& root,
                                     const std::function<bool(const fs::path&)>& accept) {
  std::vector<fs::path> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return IoError("cannot read folder " + root.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return IoError("cannot read folder " + root.string() + ": " + ec.message());
    const fs::directory_entry& entry = *it;
    if (IsHidden(entry.path())) {
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(ec)) continue;
    fs::path relative = entry.path().lexically_relative(root);
    if (accept(relative)) found.push_back(relative);
  }
  if (ec) return IoError("cannot read folder " + root.string() + ": " + ec.message());
  std::sort(found.begin(), found.end());
  return found;
}

Status AddFolder(const std::string& argument, Collector& collector) {
  fs::path root(argument);
  SILTA_ASSIGN_OR_RETURN(std::vector<fs::path> files, Walk(root, [](const fs::path& relative) {
                           return InputFormatFromPath(relative).has_value();
                         }));
  for (const fs::path& relative : files) {
    collector.Add(root / relative, Join(root, relative), *InputFormatFromPath(relative));
  }
  return Status::Ok();
}

Status AddGlob(const std::string& pattern, Collector& collector) {
  // The folder part before the first wildcard is where the walk starts.
  std::vector<std::string_view> parts = SplitPath(pattern);
  fs::path base;
  if (!pattern.empty() && pattern[0] == '/') base = "/";
  size_t fixed = 0;
  while (fixed + 1 < parts.size() && !HasGlobMeta(parts[fixed])) base /= parts[fixed++];
  std::span<const std::string_view> rest(parts.data() + fixed, parts.size() - fixed);
  fs::path root = base.empty() ? fs::path(".") : base;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return NotFoundError("no files match " + pattern + " (no folder " + root.string() + ")");
  }
  SILTA_ASSIGN_OR_RETURN(std::vector<fs::path> files, Walk(root, [&](const fs::path& relative) {
                           std::string text = relative.generic_string();
                           return MatchParts(rest, SplitPath(text));
                         }));
  size_t matched = 0;
  for (const fs::path& relative : files) {
    std::optional<InputFormat> format = InputFormatFromPath(relative);
    if (!format) format = SniffFile(root / relative);
    if (!format) continue;  // a pattern like dir/* may catch README files; only resources count
    collector.Add(root / relative, Join(base, relative), *format);
    ++matched;
  }
  if (matched == 0) return NotFoundError("no FHIR files match " + pattern);
  return Status::Ok();
}

}  // namespace

bool GlobMatches(std::string_view pattern, std::string_view name) {
  std::vector<std::string_view> p = SplitPath(pattern);
  std::vector<std::string_view> n = SplitPath(name);
  return MatchParts(p, n);
}

StatusOr<std::vector<InputFile>> DiscoverInputs(std::span<const std::string> arguments) {
  if (arguments.empty()) return InvalidArgumentError("no input files given");
  Collector collector;
  for (const std::string& argument : arguments) {
    std::error_code ec;
    fs::file_status status = fs::status(argument, ec);
    if (fs::is_directory(status)) {
      SILTA_RETURN_IF_ERROR(AddFolder(argument, collector));
    } else if (fs::is_regular_file(status)) {
      std::optional<InputFormat> format = InputFormatFromPath(argument);
      if (!format) format = SniffFile(argument);
      if (!format) {
        return InvalidArgumentError("cannot tell the format of " + argument +
                                    ": use .json, .xml, .ndjson or .jsonl");
      }
      collector.Add(argument, argument, *format);
    } else if (fs::exists(status)) {
      return InvalidArgumentError(argument + " is neither a file nor a folder");
    } else if (HasGlobMeta(argument)) {
      SILTA_RETURN_IF_ERROR(AddGlob(argument, collector));
    } else {
      return NotFoundError("no such file or folder: " + argument);
    }
  }
  return collector.Take();
}

}  // namespace silta::batch
