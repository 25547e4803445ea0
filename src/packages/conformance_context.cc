#include <algorithm>
#include <deque>

#include "packages/packages.h"

namespace silta::packages {

namespace {

std::pair<std::string_view, std::string_view> SplitCanonical(std::string_view canonical) {
  size_t bar = canonical.rfind('|');
  if (bar == std::string_view::npos) return {canonical, {}};
  return {canonical.substr(0, bar), canonical.substr(bar + 1)};
}

// The major version of a semantic version ("6.3.0" → "6"); the whole text otherwise.
std::string_view MajorVersion(std::string_view version) {
  return version.substr(0, version.find('.'));
}

void Warn(IssueSink* sink, std::string message_id, std::string message,
          Severity severity = Severity::kWarning) {
  if (sink == nullptr) return;
  sink->Report(Issue{.severity = severity,
                     .type = IssueType::kNotFound,
                     .message_id = std::move(message_id),
                     .message = std::move(message),
                     .expression = {},
                     .location = {},
                     .source = {},
                     .profile = {}});
}

}  // namespace

StatusOr<std::shared_ptr<const ConformanceContext>> ConformanceContext::Build(
    PackageCache& cache, const std::vector<PackageId>& roots, IssueSink* warnings,
    ContextOptions options) {
  struct Request {
    PackageId id;
    std::string needed_by;  // empty for roots
    // The names of the packages on the way from a root to this request.
    std::vector<std::string> ancestors;
  };
  std::deque<Request> queue;
  for (const PackageId& root : roots) queue.push_back({root, {}, {}});
  StringMap<std::string> chosen_version;  // package name -> the version in the context
  std::vector<std::shared_ptr<const Package>> packages;

  while (!queue.empty()) {
    Request request = std::move(queue.front());
    queue.pop_front();
    const std::string& name = request.id.name;
    std::string requester =
        request.needed_by.empty() ? "" : " (needed by " + request.needed_by + ")";
    if (auto it = chosen_version.find(name); it != chosen_version.end()) {
      if (it->second != request.id.version) {
        // Published packages seldom agree on the versions of what they share (FI Base 2.0.0-rc2
        // names hl7.terminology.r4 6.3.0, the extensions pack it names asks for 6.5.0). Serving
        // a request with a version of the same major version (semantic versioning: compatible),
        // or a cycle back to a package on the way (fi.base 2.0.0-rc2 -> fi.scheduling 0.3.1 ->
        // fi.base 1.0.0), is information; a different major version elsewhere is a warning.
        bool cycle = std::find(request.ancestors.begin(), request.ancestors.end(), name) !=
                     request.ancestors.end();
        bool compatible = MajorVersion(it->second) == MajorVersion(request.id.version);
        Warn(warnings, "PACKAGE_VERSION_CONFLICT",
             request.id.ToString() + requester + " is served by " + name + "#" + it->second +
                 ", the version already in use",
             cycle || compatible ? Severity::kInformation : Severity::kWarning);
      }
      continue;
    }
    StatusOr<ResolvedVersion> resolved = cache.Resolve(name, request.id.version, warnings);
    if (!resolved.ok()) {
      if (request.needed_by.empty() || !options.allow_missing_dependencies) {
        return resolved.status().Annotate(
            request.needed_by.empty() ? "loading " + request.id.ToString()
                                      : request.needed_by + " depends on " + request.id.ToString());
      }
      Warn(warnings, "PACKAGE_DEPENDENCY_MISSING",
           request.id.ToString() + requester + " is not in the package cache; left out");
      continue;
    }
    chosen_version[name] = resolved->id.version;
    std::shared_ptr<const Package> package;
    for (const std::shared_ptr<const Package>& loaded : options.loaded) {
      if (loaded->id() == resolved->id) package = loaded;
    }
    if (package == nullptr) {
      SILTA_ASSIGN_OR_RETURN(package, cache.Load(resolved->id.name, resolved->id.version));
    }
    std::vector<std::string> ancestors = request.ancestors;
    ancestors.push_back(name);
    for (const auto& [dep_name, dep_version] : package->manifest().dependencies) {
      queue.push_back({{dep_name, dep_version}, resolved->id.ToString(), ancestors});
    }
    packages.push_back(std::move(package));
  }
  return FromPackages(std::move(packages));
}

std::shared_ptr<const ConformanceContext> ConformanceContext::FromPackages(
    std::vector<std::shared_ptr<const Package>> packages) {
  std::shared_ptr<ConformanceContext> context(new ConformanceContext());
  context->packages_ = std::move(packages);
  context->BuildLookups();
  return context;
}

void ConformanceContext::BuildLookups() {
  for (const auto& package : packages_) {
    for (const ResourceEntry& e : package->entries()) {
      ResourceRef ref{package.get(), &e};
      if (!e.url.empty()) by_url_[e.url].push_back(ref);
      by_type_[e.resource_type].push_back(ref);
      if (!e.id.empty()) by_type_and_id_.try_emplace(e.resource_type + "/" + e.id, ref);
      if (e.IsSpecialization()) specializations_.push_back(ref);
    }
  }
  // Stable: among equal versions the package reached first (a root before its dependencies)
  // keeps precedence.
  for (auto& [url, refs] : by_url_) {
    std::stable_sort(refs.begin(), refs.end(), [](const ResourceRef& a, const ResourceRef& b) {
      return CompareVersions(a.entry->version, b.entry->version) > 0;
    });
  }
}

ResourceRef ConformanceContext::FindByUrl(std::string_view canonical) const {
  auto [url, version] = SplitCanonical(canonical);
  return FindByUrl(url, version);
}

ResourceRef ConformanceContext::FindByUrl(std::string_view url, std::string_view version) const {
  auto it = by_url_.find(url);
  if (it == by_url_.end()) return {};
  if (version.empty()) return it->second.front();
  for (const ResourceRef& ref : it->second) {
    if (ref.entry->version == version) return ref;
  }
  return {};
}

ResourceRef ConformanceContext::FindById(std::string_view resource_type,
                                         std::string_view id) const {
  std::string key;
  key.reserve(resource_type.size() + 1 + id.size());
  key.append(resource_type).append("/").append(id);
  auto it = by_type_and_id_.find(key);
  return it == by_type_and_id_.end() ? ResourceRef{} : it->second;
}

std::vector<ResourceRef> ConformanceContext::AllOfType(std::string_view resource_type) const {
  auto it = by_type_.find(resource_type);
  return it == by_type_.end() ? std::vector<ResourceRef>() : it->second;
}

StatusOr<std::string> ConformanceContext::ReadResource(const ResourceRef& ref) const {
  if (!ref) return InvalidArgumentError("no resource to read");
  return ref.package->ReadResource(*ref.entry);
}

StatusOr<std::string> ConformanceContext::ReadWithoutNarrative(const ResourceRef& ref) const {
  if (!ref) return InvalidArgumentError("no resource to read");
  return ref.package->ReadWithoutNarrative(*ref.entry);
}

}  // namespace silta::packages
