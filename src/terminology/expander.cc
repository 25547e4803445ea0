// Value-set expansion for the TerminologyService: compose (include/exclude, filters, imports),
// stored expansions, size limits, and the caches behind them.
#include <rapidjson/document.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <utility>

#include "base/numbers.h"
#include "json/json.h"
#include "terminology/filters.h"
#include "terminology/service_impl.h"

namespace silta::terminology {

using internal::CachedCodeSystem;
using internal::CachedExpansion;
using internal::CodeEntry;
using internal::CodeSystem;
using internal::Expansion;
using internal::Openness;
using internal::SystemCodes;

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Each import level costs a few stack frames; real value sets nest a handful deep.
constexpr size_t kMaxImportDepth = 64;

}  // namespace

StatusOr<std::shared_ptr<const CodeSystem>> TerminologyService::Impl::GetCodeSystem(
    std::string_view system, std::string_view version, std::string* note) const {
  // The two-argument lookups take `system` literally: some R4 v2 tables have "url|version" as
  // their url.
  packages::ResourceRef ref = context_.FindByUrl(system, version);
  if (!version.empty()) {
    if (!ref) {
      ref = context_.FindByUrl(system, "");
      if (ref && note != nullptr) {
        *note = "version " + std::string(version) + " of code system " + std::string(system) +
                " is not loaded; using version " + ref.entry->version;
      }
    }
  }
  if (!ref || ref.entry->resource_type != "CodeSystem") {
    return std::shared_ptr<const CodeSystem>();
  }
  {
    std::shared_lock lock(cache_mu_);
    if (auto it = code_systems_.find(ref.entry); it != code_systems_.end()) {
      if (!it->second.status.ok()) return it->second.status;
      return Usable(it->second.code_system);
    }
  }
  CachedCodeSystem cached;
  auto json = context_.ReadWithoutNarrative(ref);
  if (!json.ok()) {
    cached.status = json.status().Annotate("reading code system " + std::string(system));
  } else {
    auto parsed = CodeSystem::Parse(std::move(*json));
    if (parsed.ok()) {
      cached.code_system = *parsed;
    } else {
      cached.status = parsed.status().Annotate("code system " + std::string(system) + " (" +
                                               ref.entry->filename + ")");
    }
  }
  std::unique_lock lock(cache_mu_);
  // Another thread may have parsed it meanwhile; keep the first so everyone shares one object.
  auto [it, inserted] = code_systems_.try_emplace(ref.entry, std::move(cached));
  if (!it->second.status.ok()) return it->second.status;
  return Usable(it->second.code_system);
}

std::shared_ptr<const CodeSystem> TerminologyService::Impl::Usable(
    std::shared_ptr<const CodeSystem> cs) {
  // A CodeSystem that defines no codes here (SNOMED CT's stub in R4 is content = not-present)
  // is as good as absent, and a supplement adds designations rather than defining codes.
  if (cs && (cs->content() == internal::Content::kNotPresent ||
             cs->content() == internal::Content::kSupplement)) {
    return nullptr;
  }
  return cs;
}

packages::ResourceRef TerminologyService::Impl::FindValueSet(std::string_view canonical) const {
  packages::ResourceRef ref = context_.FindByUrl(canonical);
  if (!ref) ref = context_.FindByUrl(canonical, "");  // a url that itself holds a '|'
  if (!ref || ref.entry->resource_type != "ValueSet") return {};
  return ref;
}

std::string TerminologyService::Impl::ValueSetJson(std::string_view canonical) const {
  packages::ResourceRef ref = FindValueSet(canonical);
  if (!ref) return {};
  auto json = context_.ReadResource(ref);
  return json.ok() ? std::move(*json) : std::string();
}

StatusOr<std::shared_ptr<const Expansion>> TerminologyService::Impl::GetExpansion(
    std::string_view canonical) const {
  Stack stack;
  return GetExpansion(canonical, stack);
}

StatusOr<std::shared_ptr<const Expansion>> TerminologyService::Impl::GetExpansion(
    std::string_view canonical, Stack& stack) const {
  packages::ResourceRef ref = FindValueSet(canonical);
  if (!ref) return std::shared_ptr<const Expansion>();
  auto lookup = [&]() -> const CachedExpansion* {
    auto it = expansions_.find(ref.entry);
    return it == expansions_.end() ? nullptr : &it->second;
  };
  {
    std::shared_lock lock(cache_mu_);
    if (const CachedExpansion* cached = lookup(); cached != nullptr) {
      if (!cached->status.ok()) return cached->status;
      return cached->expansion;
    }
  }
  std::lock_guard compute_lock(compute_mu_);
  {
    std::shared_lock lock(cache_mu_);
    if (const CachedExpansion* cached = lookup(); cached != nullptr) {
      if (!cached->status.ok()) return cached->status;
      return cached->expansion;
    }
  }
  // Versions kept apart: version 2 of a value set may import version 1 of itself.
  std::string url = ref.entry->url + (ref.entry->version.empty() ? "" : "|" + ref.entry->version);
  if (std::find(stack.begin(), stack.end(), url) != stack.end()) {
    // Not cached: the value sets on the stack are still being computed.
    auto cycle = std::make_shared<Expansion>();
    std::string path;
    for (const std::string& s : stack) path += s + " -> ";
    cycle->MarkOpenEverywhere(Validity::kCannotTell, "ValueSet import cycle: " + path + url);
    cycle->Finish();
    return std::shared_ptr<const Expansion>(std::move(cycle));
  }
  if (stack.size() >= kMaxImportDepth) {
    auto deep = std::make_shared<Expansion>();
    deep->MarkOpenEverywhere(Validity::kCannotTell, "ValueSet imports nest deeper than " +
                                                        std::to_string(kMaxImportDepth) +
                                                        " levels at " + url);
    deep->Finish();
    return std::shared_ptr<const Expansion>(std::move(deep));
  }
  stack.push_back(url);
  auto computed = Compute(ref, canonical, stack);
  stack.pop_back();
  CachedExpansion cached;
  if (computed.ok()) {
    cached.expansion = *computed;
  } else {
    cached.status = computed.status();
  }
  std::unique_lock lock(cache_mu_);
  expansions_.emplace(ref.entry, cached);
  if (!cached.status.ok()) return cached.status;
  return cached.expansion;
}

Expansion TerminologyService::Impl::TooCostly(std::string_view what) const {
  Expansion e;
  e.outcome = ExpansionOutcome::kTooCostly;
  e.message = std::string(what) + " has more than " + std::to_string(options_.max_expansion_size) +
              " codes; membership is not checked";
  return e;
}

StatusOr<std::shared_ptr<const Expansion>> TerminologyService::Impl::Compute(
    const packages::ResourceRef& ref, std::string_view canonical, Stack& stack) const {
  SILTA_ASSIGN_OR_RETURN(std::string json, context_.ReadWithoutNarrative(ref));
  // In situ: the expansion copies out every string it keeps.
  rapidjson::Document doc;
  doc.ParseInsitu<json::kRapidParseFlags>(json.data());
  const std::string where = "ValueSet " + std::string(canonical) + " (" + ref.entry->filename + ")";
  if (doc.HasParseError()) return DataLossError(where + " is not valid JSON");
  const rapidjson::Value& root = doc;
  if (!root.IsObject()) return DataLossError(where + " is not a JSON object");

  const rapidjson::Value* compose = json::Member(root, "compose");
  const rapidjson::Value* stored = json::Member(root, "expansion");
  bool has_stored = stored != nullptr && json::Member(*stored, "contains") != nullptr;

  Expansion result;
  if (compose != nullptr && compose->IsObject()) {
    auto evaluated = EvaluateCompose(*compose, stack);
    if (!evaluated.ok()) return evaluated.status().Annotate(where);
    result = std::move(*evaluated);
    if (result.outcome == ExpansionOutcome::kTooCostly) {
      result.message = where + " has more than " + std::to_string(options_.max_expansion_size) +
                       " codes; membership is not checked";
    } else {
      result.Finish();
    }
  } else if (!has_stored) {
    result.MarkOpenEverywhere(Validity::kCannotTell, where + " has neither compose nor expansion");
    result.Finish();
  }
  // A shipped expansion stands in for a definition we cannot evaluate (SNOMED CT filters...).
  bool compose_usable = compose != nullptr && (result.outcome == ExpansionOutcome::kComplete ||
                                               result.outcome == ExpansionOutcome::kTooCostly);
  if (has_stored && !compose_usable) {
    Expansion from_stored = FromStoredExpansion(*stored);
    from_stored.notes.insert(from_stored.notes.begin(), result.notes.begin(), result.notes.end());
    result = std::move(from_stored);
    result.Finish();
  }
  return std::shared_ptr<const Expansion>(std::make_shared<Expansion>(std::move(result)));
}

Expansion TerminologyService::Impl::FromStoredExpansion(const rapidjson::Value& expansion) const {
  Expansion result;
  result.from_stored_expansion = true;
  size_t count = 0;
  // Nested contains are a display hierarchy; every level holds members.
  std::vector<const rapidjson::Value*> pending{&json::ArrayMember(expansion, "contains")};
  while (!pending.empty()) {
    const rapidjson::Value* list = pending.back();
    pending.pop_back();
    for (const rapidjson::Value& item : list->GetArray()) {
      std::string_view system = json::StringMember(item, "system");
      std::string_view code = json::StringMember(item, "code");
      if (!system.empty() && !code.empty()) {
        SystemCodes& part = result.SystemPart(system);
        if (part.version.empty()) part.version = std::string(json::StringMember(item, "version"));
        part.Add(code, json::StringMember(item, "display"));
        ++count;
      }
      pending.push_back(&json::ArrayMember(item, "contains"));
    }
  }
  // A paged or truncated expansion does not list every member.
  const rapidjson::Value* total = json::Member(expansion, "total");
  std::optional<uint64_t> declared_total;
  if (total != nullptr && total->IsUint64()) declared_total = total->GetUint64();
  if (total != nullptr && total->IsString()) {
    declared_total = ParseInteger<uint64_t>(json::AsString(*total));
  }
  if (declared_total && *declared_total > count) {
    for (SystemCodes& part : result.systems) {
      part.openness = Openness::kIncomplete;
      part.open_reason = "the stored expansion lists only part of the value set";
    }
  }
  if (TooBig(result)) return TooCostly("the stored expansion");
  return result;
}

StatusOr<Expansion> TerminologyService::Impl::EvaluateCompose(const rapidjson::Value& compose,
                                                              Stack& stack) const {
  Expansion result;
  for (const rapidjson::Value& include : json::ArrayMember(compose, "include").GetArray()) {
    SILTA_ASSIGN_OR_RETURN(Expansion part, EvaluateInclude(include, stack));
    if (part.outcome == ExpansionOutcome::kTooCostly) return part;
    UnionInto(result, std::move(part));
    if (TooBig(result)) return TooCostly("the value set");
  }
  for (const rapidjson::Value& exclude : json::ArrayMember(compose, "exclude").GetArray()) {
    SILTA_ASSIGN_OR_RETURN(Expansion part, EvaluateInclude(exclude, stack));
    if (part.outcome == ExpansionOutcome::kTooCostly) {
      // Cannot subtract what we could not enumerate: every remaining member becomes uncertain.
      for (SystemCodes& s : result.systems) {
        s.uncertain = true;
        if (s.open_reason.empty()) s.open_reason = "an excluded value set is too large to expand";
      }
      continue;
    }
    Subtract(result, part);
  }
  return result;
}

StatusOr<Expansion> TerminologyService::Impl::EvaluateInclude(const rapidjson::Value& include,
                                                              Stack& stack) const {
  std::optional<Expansion> result;
  if (!json::StringMember(include, "system").empty()) {
    SILTA_ASSIGN_OR_RETURN(Expansion system_part, EvaluateSystem(include));
    if (system_part.outcome == ExpansionOutcome::kTooCostly) return system_part;
    result = std::move(system_part);
  }
  // Several value sets (and a system) in one include: a code must be in all of them.
  for (const rapidjson::Value& vs : json::ArrayMember(include, "valueSet").GetArray()) {
    std::string_view canonical = json::AsString(vs);
    if (canonical.empty()) continue;
    Expansion imported;
    SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const Expansion> expansion,
                           GetExpansion(canonical, stack));
    if (!expansion) {
      imported.MarkOpenEverywhere(
          Validity::kUnknownValueSet,
          "imported ValueSet " + std::string(canonical) + " is not in the loaded packages");
    } else if (expansion->outcome == ExpansionOutcome::kTooCostly) {
      return TooCostly("imported ValueSet " + std::string(canonical));
    } else {
      imported = *expansion;
      imported.notes.clear();  // already reported on the imported value set
    }
    result = result ? Intersect(std::move(*result), imported) : std::move(imported);
  }
  if (!result) {
    Expansion empty;
    empty.notes.push_back("an include/exclude names neither a system nor a value set");
    return empty;
  }
  return std::move(*result);
}

StatusOr<Expansion> TerminologyService::Impl::EvaluateSystem(
    const rapidjson::Value& include) const {
  std::string_view system = json::StringMember(include, "system");
  std::string_view version = json::StringMember(include, "version");
  const rapidjson::Value& concepts = json::ArrayMember(include, "concept");
  const rapidjson::Value& filters = json::ArrayMember(include, "filter");

  Expansion result;
  std::string note;
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const CodeSystem> cs,
                         GetCodeSystem(system, version, &note));
  if (cs && !note.empty()) result.notes.push_back(std::move(note));
  SystemCodes& part = result.SystemPart(system);
  part.version = cs ? cs->version() : std::string(version);
  part.code_system = cs;
  part.case_sensitive = cs ? cs->case_sensitive() : true;

  if (!cs) {
    // An explicit list is the value set's own statement of its members (the "languages" value
    // set lists BCP-47 codes); anything computed from the system is out of reach.
    for (const rapidjson::Value& c : concepts.GetArray()) {
      part.Add(json::StringMember(c, "code"), json::StringMember(c, "display"));
    }
    std::string why = "code system " + std::string(system) + " is not in the loaded packages";
    if (concepts.Empty()) {
      part.all = filters.Empty();
      part.openness = Openness::kUnknownSystem;
      part.open_reason = std::move(why);
    } else if (!filters.Empty()) {
      part.uncertain = true;
      part.open_reason = std::move(why);
    }
    return result;
  }

  const bool complete = cs->complete();
  // Filters select from the whole system, or (not allowed by the spec, but seen) from the list.
  std::vector<bool> selected(cs->concepts().size(), true);
  for (const rapidjson::Value& f : filters.GetArray()) {
    std::string_view property = json::StringMember(f, "property");
    std::string_view op = json::StringMember(f, "op");
    std::string_view value = json::StringMember(f, "value");
    internal::FilterResult filter = internal::ApplyFilter(*cs, property, op, value);
    if (!filter.supported) {
      part.openness = Openness::kIncomplete;
      part.open_reason = "code system " + std::string(system) + ": " + filter.reason;
      return result;
    }
    if (!filter.note.empty()) {
      result.notes.push_back("code system " + std::string(system) + ": " + filter.note);
    }
    for (size_t i = 0; i < selected.size(); ++i) selected[i] = selected[i] && filter.members[i];
  }
  if (!concepts.Empty()) {
    for (const rapidjson::Value& c : concepts.GetArray()) {
      std::string_view code = json::StringMember(c, "code");
      if (code.empty()) continue;
      const internal::ConceptDef* def = cs->FindConcept(code);
      if (def == nullptr && complete) {
        result.notes.push_back("code " + Quote(code) + " is listed in a value set but is not in " +
                               "code system " + std::string(system));
        continue;
      }
      if (def != nullptr && !selected[static_cast<size_t>(def - cs->concepts().data())]) continue;
      std::string_view display = json::StringMember(c, "display");
      if (display.empty() && def != nullptr) display = def->display;
      part.Add(def != nullptr ? std::string_view(def->code) : code, display);
    }
  } else {
    size_t count = static_cast<size_t>(std::count(selected.begin(), selected.end(), true));
    if (count > options_.max_expansion_size) return TooCostly("code system " + std::string(system));
    part.codes.reserve(count);
    for (size_t i = 0; i < selected.size(); ++i) {
      if (selected[i]) part.Add(cs->concepts()[i].code, cs->concepts()[i].display);
    }
    if (!complete) part.all = filters.Empty();
  }
  if (!complete) {
    part.openness = Openness::kIncomplete;
    part.open_reason = "code system " + std::string(system) + " is not complete in the packages";
  }
  return result;
}

// ---------------------------------------------------------------------------------------------

}  // namespace silta::terminology
