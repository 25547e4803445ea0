#include "snapshot/snapshot.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unordered_set>

#include "json/json.h"
#include "snapshot/generator.h"

namespace silta::snapshot {
namespace {

std::string Write(const rapidjson::Document& doc) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool HasSnapshot(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<internal::kDefinitionParseFlags>(text.data(), text.size());
  if (doc.HasParseError()) return false;
  const rapidjson::Value* snapshot = json::Member(doc, "snapshot");
  const rapidjson::Value* elements =
      snapshot != nullptr ? json::Member(*snapshot, "element") : nullptr;
  return elements != nullptr && elements->IsArray() && !elements->Empty();
}

// Canonicals this thread is generating through a SnapshotCache: a definition reached again
// while its own snapshot is being built is a derivation cycle.
thread_local std::unordered_set<std::string> cache_in_progress;

}  // namespace

StatusOr<std::string> GenerateSnapshot(std::string_view structure_definition_json,
                                       const DefinitionLookup& lookup, IssueSink* issues) {
  rapidjson::Document doc;
  doc.Parse<internal::kDefinitionParseFlags>(structure_definition_json.data(),
                                             structure_definition_json.size());
  if (doc.HasParseError()) return DataLossError("StructureDefinition is not valid JSON");
  internal::Generator generator(lookup, issues);
  SILTA_RETURN_IF_ERROR(generator.Generate(doc));
  return Write(doc);
}

SnapshotCache::SnapshotCache(std::shared_ptr<const packages::ConformanceContext> context,
                             DefinitionLookup extra, IssueSink* issues)
    : context_(std::move(context)), extra_(std::move(extra)), issues_(issues) {}

std::optional<std::string> SnapshotCache::ReadSource(std::string_view canonical) const {
  if (extra_) {
    if (std::optional<std::string> text = extra_(canonical)) return text;
  }
  if (context_ == nullptr) return std::nullopt;
  packages::ResourceRef ref = context_->FindByUrl(canonical);
  if (!ref) return std::nullopt;
  StatusOr<std::string> text = context_->ReadResource(ref);
  if (!text.ok()) return std::nullopt;
  return std::move(text).value();
}

StatusOr<std::shared_ptr<const std::string>> SnapshotCache::Get(std::string_view canonical) {
  std::string key(canonical);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = done_.find(key); it != done_.end()) return it->second;
  }
  std::optional<std::string> text = ReadSource(canonical);
  if (!text) return NotFoundError("StructureDefinition '" + key + "' not found");
  std::shared_ptr<const std::string> result;
  if (HasSnapshot(*text)) {
    result = std::make_shared<const std::string>(std::move(*text));
  } else if (!cache_in_progress.insert(key).second) {
    return FailedPreconditionError("StructureDefinition '" + key + "' derives from itself");
  } else {
    // Bases and types come through the cache too, so each snapshot is generated once; done
    // outside the lock (two threads may both generate one definition; the first one is kept).
    DefinitionLookup through_cache = [this](std::string_view needed) -> std::optional<std::string> {
      StatusOr<std::shared_ptr<const std::string>> found = Get(needed);
      if (!found.ok()) return std::nullopt;
      return **found;
    };
    StatusOr<std::string> generated = GenerateSnapshot(*text, through_cache, issues_);
    cache_in_progress.erase(key);
    if (!generated.ok()) return generated.status();
    result = std::make_shared<const std::string>(std::move(generated).value());
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = done_.emplace(std::move(key), std::move(result));
  return it->second;
}

}  // namespace silta::snapshot
