// The Validator facade, definition lookup and the caches shared by all validating threads.
#include <rapidjson/document.h>

#include <array>
#include <atomic>
#include <unordered_set>

#include "json/rapid.h"
#include "snapshot/snapshot.h"
#include "validation/impl.h"

namespace silta::validation {

namespace {

constexpr size_t kMaxCachedCodes = 200'000;
constexpr std::string_view kCoreSdPrefix = "http://hl7.org/fhir/StructureDefinition/";

// Each validator's answers are told apart from another's (which may later live at the same
// address) in the per-thread memo below.
std::atomic<uint64_t> next_generation{1};

// The last code answers a thread asked for, in front of the shared cache: the same few
// (value set, system, code) come again and again, and here they cost neither building and
// hashing a key nor the lock. Direct-mapped by a cheap hash; a clash only costs a miss.
struct CodeMemo {
  uint64_t generation = 0;
  std::string value_set;
  std::string system;
  std::string code;
  const CodeCheck* answer = nullptr;
};
constexpr size_t kCodeMemoSlots = 256;
thread_local std::array<CodeMemo, kCodeMemoSlots> code_memo;

size_t CodeMemoSlot(std::string_view value_set, std::string_view system, std::string_view code) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the code, then the lengths
  for (char c : code) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  h = (h ^ system.size()) * 1099511628211ull;
  h = (h ^ value_set.size()) * 1099511628211ull;
  if (!value_set.empty()) h = (h ^ static_cast<unsigned char>(value_set.back())) * 1099511628211ull;
  return static_cast<size_t>(h ^ (h >> 32)) % kCodeMemoSlots;
}

}  // namespace

Validator::Impl::Impl(std::shared_ptr<const packages::ConformanceContext> context,
                      std::shared_ptr<const model::TypeModel> model, ValidatorOptions options,
                      SnapshotGenerator snapshot_generator)
    : context_(std::move(context)),
      model_(std::move(model)),
      generation_(next_generation.fetch_add(1, std::memory_order_relaxed)),
      reference_type_(model_->Find("Reference")),
      attachment_type_(model_->Find("Attachment")),
      bundle_type_(model_->FindResource("Bundle")),
      options_(options),
      snapshot_generator_(std::move(snapshot_generator)),
      terminology_(context_,
                   [this] {
                     terminology::TerminologyOptions terms;
                     terms.remote = options_.terminology_server;
                     return terms;
                   }()),
      constraints_(model_) {
  const auto& types = model_->types();
  type_roots_ = std::make_unique<std::atomic<const internal::ElementPlan*>[]>(types.size());
  type_root_done_ = std::make_unique<std::atomic<bool>[]>(types.size());
  for (size_t i = 0; i < types.size(); ++i) {
    type_roots_[i].store(nullptr, std::memory_order_relaxed);
    type_root_done_[i].store(false, std::memory_order_relaxed);
  }
}

const internal::ElementPlan* Validator::Impl::TypeRoot(const model::TypeDef* type) const {
  if (type == nullptr) return nullptr;
  size_t i = type->index;
  // A type of another model (the caller's mistake) has no plan here.
  if (i >= model_->type_count() || model_->types()[i].get() != type) return nullptr;
  if (type_root_done_[i].load(std::memory_order_acquire)) {
    return type_roots_[i].load(std::memory_order_acquire);
  }
  const internal::ElementPlan* root = nullptr;
  if (type->kind == model::TypeKind::kBackbone) {
    std::string_view name = type->name;
    std::string_view resource = name.substr(0, name.find('.'));
    const model::TypeDef* owner = model_->Find(resource);
    if (owner != nullptr && !owner->url.empty()) {
      auto profile = Profile(owner->url);
      if (profile.ok()) {
        auto found = (*profile)->by_path.find(name);
        if (found != (*profile)->by_path.end()) root = found->second;
      }
    }
  } else if (!type->url.empty()) {
    auto profile = Profile(type->url);
    if (profile.ok()) root = &(*profile)->root();
  }
  type_roots_[i].store(root, std::memory_order_release);
  type_root_done_[i].store(true, std::memory_order_release);
  return root;
}

std::string Validator::Impl::TypeOfProfile(std::string_view canonical) const {
  if (canonical.rfind(kCoreSdPrefix, 0) == 0) {
    std::string_view name = canonical.substr(kCoreSdPrefix.size());
    if (model_->Find(name) != nullptr) return std::string(name);
  }
  packages::ResourceRef ref = context_->FindByUrl(canonical);
  if (ref && !ref.entry->type.empty()) return ref.entry->type;
  return {};
}

StatusOr<const internal::CompiledProfile*> Validator::Impl::Profile(
    std::string_view canonical) const {
  ProfileEntry* entry = nullptr;
  {
    std::shared_lock lock(profiles_mu_);
    auto it = profiles_.find(canonical);
    if (it != profiles_.end()) entry = it->second.get();
  }
  if (entry == nullptr) {
    std::unique_lock lock(profiles_mu_);
    std::unique_ptr<ProfileEntry>& slot = profiles_[std::string(canonical)];
    if (slot == nullptr) slot = std::make_unique<ProfileEntry>();
    entry = slot.get();
  }
  if (!entry->done.load(std::memory_order_acquire)) {
    std::lock_guard compile_lock(entry->compile_mu);
    if (!entry->done.load(std::memory_order_relaxed)) {
      auto compiled = Compile(canonical);
      if (compiled.ok()) {
        entry->profile = std::move(*compiled);
      } else {
        // Callers name the profile in their own messages.
        entry->status = compiled.status();
      }
      entry->done.store(true, std::memory_order_release);
    }
  }
  if (entry->profile) return entry->profile.get();
  return entry->status;
}

StatusOr<std::unique_ptr<internal::CompiledProfile>> Validator::Impl::Compile(
    std::string_view canonical) const {
  packages::ResourceRef ref = context_->FindByUrl(canonical);
  if (!ref) return NotFoundError("it is not in the loaded packages");
  if (!ref.entry->IsStructureDefinition()) {
    return InvalidArgumentError("it is a " + ref.entry->resource_type +
                                ", not a StructureDefinition");
  }
  SILTA_ASSIGN_OR_RETURN(std::string json, context_->ReadWithoutNarrative(ref));
  // Parsed once: the snapshot question and the compilation share the document. In situ:
  // definitions are megabytes on each first use of a type, and decoding their strings where
  // they stand copies none of them (the document lives no longer than `json`).
  rapidjson::Document sd;
  sd.ParseInsitu<json::kRapidParseFlags>(json.data());
  if (!sd.HasParseError() && !internal::HasSnapshot(sd)) {
    if (!snapshot_generator_) {
      return FailedPreconditionError(
          "it has no snapshot, and no snapshot generator is installed (the snapshot module "
          "provides one)");
    }
    SnapshotLookup lookup = [this](std::string_view url) -> StatusOr<std::string> {
      packages::ResourceRef base = context_->FindByUrl(url);
      if (!base) return NotFoundError("StructureDefinition " + std::string(url) + " not found");
      return context_->ReadResource(base);
    };
    // The in-situ parse has overwritten `json`: the generator reads the definition afresh.
    SILTA_ASSIGN_OR_RETURN(std::string differential, context_->ReadResource(ref));
    SILTA_ASSIGN_OR_RETURN(json, snapshot_generator_(differential, lookup, nullptr));
    sd = rapidjson::Document();
    sd.ParseInsitu<json::kRapidParseFlags>(json.data());
  }
  SILTA_ASSIGN_OR_RETURN(
      std::unique_ptr<internal::CompiledProfile> compiled,
      internal::CompileProfile(sd, *model_, constraints_,
                               [this](std::string_view url) { return TypeOfProfile(url); }));
  const model::TypeDef* type = compiled->model_type;
  if (type != nullptr && !type->url.empty() && type->url != compiled->url) {
    // The base is compiled first (or found compiled): the walker's base pass uses it. Only a
    // base that is its type's own definition: its compilation stops there, so no package can
    // make two compilations wait on each other.
    packages::ResourceRef base_ref = context_->FindByUrl(type->url);
    if (base_ref && base_ref.entry->type == type->name) {
      auto base = Profile(type->url);
      if (base.ok()) internal::LinkUnchangedElements(*compiled, **base);
    }
  }
  return compiled;
}

const CodeCheck& Validator::Impl::CheckCode(std::string_view value_set, std::string_view system,
                                            std::string_view code, CodeCheck* scratch) const {
  CodeMemo& memo = code_memo[CodeMemoSlot(value_set, system, code)];
  if (memo.generation == generation_ && memo.code == code && memo.system == system &&
      memo.value_set == value_set) {
    return *memo.answer;
  }
  const CodeCheck& answer = CheckCodeShared(value_set, system, code, scratch);
  if (&answer != scratch) {
    // Answers in the shared cache never move or go while the validator lives.
    memo.generation = generation_;
    memo.value_set.assign(value_set);
    memo.system.assign(system);
    memo.code.assign(code);
    memo.answer = &answer;
  }
  return answer;
}

const CodeCheck& Validator::Impl::CheckCodeShared(std::string_view value_set,
                                                  std::string_view system, std::string_view code,
                                                  CodeCheck* scratch) const {
  thread_local std::string key;
  key.clear();
  key.append(value_set).append(1, '\n').append(system).append(1, '\n').append(code);
  {
    std::shared_lock lock(codes_mu_);
    auto it = codes_.find(key);
    if (it != codes_.end()) return it->second;
  }
  CodeCheck check;
  auto result = terminology_.ValidateCode(value_set, system, code);
  if (result.ok()) {
    check.validity = result->validity;
    check.message = result->message;
  } else {
    check.validity = terminology::Validity::kCannotTell;
    check.message = result.status().message();
  }
  if (check.validity == terminology::Validity::kInvalid) {
    check.meant_extensible = ValueSetMeantExtensible(value_set);
  }
  std::unique_lock lock(codes_mu_);
  // Bounded: hostile input with endless distinct codes must not grow memory without limit.
  // Entries are never removed and the map's nodes do not move, so references stay valid.
  if (codes_.size() < kMaxCachedCodes)
    return codes_.try_emplace(key, std::move(check)).first->second;
  *scratch = std::move(check);
  return *scratch;
}

Status Validator::Impl::CheckDifferential(std::string_view sd_json, IssueSink& issues) const {
  if (!snapshot_generator_) return Status::Ok();
  SnapshotLookup lookup = [this](std::string_view url) -> StatusOr<std::string> {
    packages::ResourceRef base = context_->FindByUrl(url);
    if (!base) return NotFoundError("StructureDefinition " + std::string(url) + " not found");
    return context_->ReadResource(base);
  };
  auto snapshot = snapshot_generator_(sd_json, lookup, &issues);
  return snapshot.ok() ? Status::Ok() : snapshot.status();
}

bool Validator::Impl::ValueSetMeantExtensible(std::string_view value_set) const {
  {
    std::shared_lock lock(codes_mu_);
    auto it = extensible_value_sets_.find(value_set);
    if (it != extensible_value_sets_.end()) return it->second;
  }
  size_t bar = value_set.find('|');
  packages::ResourceRef ref =
      bar == std::string_view::npos
          ? context_->FindByUrl(value_set)
          : context_->FindByUrl(value_set.substr(0, bar), value_set.substr(bar + 1));
  bool extensible = false;
  if (ref) {
    if (auto json = context_->ReadResource(ref); json.ok()) {
      rapidjson::Document vs;
      vs.Parse(json->data(), json->size());
      if (!vs.HasParseError() && vs.IsObject() && vs.HasMember("extension") &&
          vs["extension"].IsArray()) {
        for (const auto& ext : vs["extension"].GetArray()) {
          if (ext.IsObject() && ext.HasMember("url") && ext["url"].IsString() &&
              std::string_view(ext["url"].GetString()) ==
                  "http://hl7.org/fhir/StructureDefinition/valueset-extensible" &&
              ext.HasMember("valueBoolean") && ext["valueBoolean"].IsBool()) {
            extensible = ext["valueBoolean"].GetBool();
          }
        }
      }
    }
  }
  std::unique_lock lock(codes_mu_);
  extensible_value_sets_.try_emplace(std::string(value_set), extensible);
  return extensible;
}

const CodeCheck& Validator::Impl::CheckCodeableConcept(std::string_view value_set,
                                                       std::span<const CodeAndSystem> codings,
                                                       CodeCheck* scratch) const {
  static const CodeCheck kNoCoding{terminology::Validity::kInvalid, {}, false};
  const CodeCheck* best = &kNoCoding;
  bool any_unknown = false;
  for (const CodeAndSystem& c : codings) {
    CodeCheck own;
    const CodeCheck& got = CheckCode(value_set, c.system, c.code, &own);
    bool take = false;
    if (got.validity == terminology::Validity::kValid) {
      take = true;
    } else if (got.validity != terminology::Validity::kInvalid) {
      take = !any_unknown;
      any_unknown = true;
    } else {
      take = !any_unknown;
    }
    if (!take) continue;
    if (&got == &own) {  // not cached: kept where it outlives this loop
      *scratch = std::move(own);
      best = scratch;
    } else {
      best = &got;
    }
    if (best->validity == terminology::Validity::kValid) return *best;
  }
  return *best;
}

StatusOr<bool> Validator::Impl::MemberOfProvider::MemberOf(const fhirpath::Value& coded,
                                                           std::string_view value_set_url) const {
  std::vector<CodeAndSystem> codings;
  if (!coded.is_element()) {
    if (coded.type() != fhirpath::ValueType::kString) {
      return InvalidArgumentError("memberOf() needs a code, Coding or CodeableConcept");
    }
    codings.push_back({{}, coded.string()});
  } else {
    const model::Element& e = *coded.element();
    if (e.has_value()) {
      codings.push_back({{}, e.value()});  // a code (or string) element
    } else if (e.Child("coding") != nullptr) {
      for (const model::Element* coding : e.Children("coding"))
        internal::AppendCoding(*coding, &codings);
    } else {
      internal::AppendCoding(e, &codings);
    }
  }
  if (codings.empty()) return false;  // no code: not in any value set
  CodeCheck scratch;
  const CodeCheck& check = impl_->CheckCodeableConcept(value_set_url, codings, &scratch);
  if (check.validity == terminology::Validity::kValid) return true;
  if (check.validity == terminology::Validity::kInvalid) return false;
  return FailedPreconditionError("memberOf('" + std::string(value_set_url) +
                                 "') cannot be answered offline: " + check.message);
}

// ---------------------------------------------------------------------------------------------

SnapshotGenerator DefaultSnapshotGenerator() {
  return [](std::string_view sd_json, const SnapshotLookup& lookup,
            IssueSink* issues) -> StatusOr<std::string> {
    snapshot::DefinitionLookup definitions =
        [&lookup](std::string_view canonical) -> std::optional<std::string> {
      auto found = lookup(canonical);
      if (!found.ok()) return std::nullopt;
      return std::move(*found);
    };
    return snapshot::GenerateSnapshot(sd_json, definitions, issues);
  };
}

Validator::Validator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Validator::~Validator() = default;

StatusOr<std::shared_ptr<const Validator>> Validator::Create(
    std::shared_ptr<const packages::ConformanceContext> context,
    std::shared_ptr<const model::TypeModel> model, ValidatorOptions options) {
  return Create(std::move(context), std::move(model), options, DefaultSnapshotGenerator());
}

StatusOr<std::shared_ptr<const Validator>> Validator::Create(
    std::shared_ptr<const packages::ConformanceContext> context,
    std::shared_ptr<const model::TypeModel> model, ValidatorOptions options,
    SnapshotGenerator snapshot_generator) {
  if (context == nullptr) return InvalidArgumentError("Validator::Create: no conformance context");
  if (model == nullptr) return InvalidArgumentError("Validator::Create: no type model");
  auto impl = std::make_unique<Impl>(std::move(context), std::move(model), options,
                                     std::move(snapshot_generator));
  // The resource definitions everything inherits from must be usable.
  const model::TypeDef* resource = impl->model().Find("Resource");
  if (resource == nullptr || impl->TypeRoot(resource) == nullptr) {
    return FailedPreconditionError(
        "the packages do not hold the base definition of Resource (is hl7.fhir.r4.core loaded?)");
  }
  return std::shared_ptr<const Validator>(new Validator(std::move(impl)));
}

const ValidatorOptions& Validator::options() const { return impl_->options(); }

Status Validator::CheckProfile(std::string_view canonical) const {
  auto profile = impl_->Profile(canonical);
  if (!profile.ok()) return profile.status().Annotate("profile " + std::string(canonical));
  return Status::Ok();
}

void Validator::Validate(const model::Document& document, std::span<const std::string> profiles,
                         IssueSink& sink) const {
  if (document.root() == nullptr) return;
  std::vector<Issue> issues;
  issues.reserve(32);  // a few dozen notes and warnings are common; growing moves every Issue
  internal::Walker walker(*impl_, issues, &document);
  walker.ValidateRoot(*document.root(), profiles);
  // The same problem found through the base definition and a profile is told once. The set
  // holds issues, not copies of their texts; each is moved out only after it was compared.
  struct SameProblemHash {
    // The message is left out: issues at one place with one id rarely differ only in it, and
    // it is the longest of the three to hash.
    size_t operator()(const Issue* i) const noexcept {
      std::hash<std::string_view> h;
      return h(i->message_id) ^ (h(i->expression) * 31);
    }
  };
  struct SameProblem {
    bool operator()(const Issue* a, const Issue* b) const noexcept {
      return a->message_id == b->message_id && a->expression == b->expression &&
             a->message == b->message;
    }
  };
  std::vector<bool> duplicate(issues.size(), false);
  {
    std::unordered_set<const Issue*, SameProblemHash, SameProblem> seen;
    seen.reserve(issues.size());
    for (size_t i = 0; i < issues.size(); ++i) duplicate[i] = !seen.insert(&issues[i]).second;
  }
  size_t reported = 0;
  for (size_t i = 0; i < issues.size(); ++i) {
    if (duplicate[i]) continue;
    Issue& issue = issues[i];
    if (reported == impl_->options().max_issues) {
      Issue cut;
      cut.severity = Severity::kInformation;
      cut.type = IssueType::kTooCostly;
      cut.message_id = "VALIDATION_TOO_MANY_ISSUES";
      cut.message = "more issues were found; only the first " +
                    std::to_string(impl_->options().max_issues) + " are reported";
      cut.source = document.source_name();
      sink.Report(std::move(cut));
      break;
    }
    issue.source = document.source_name();
    sink.Report(std::move(issue));
    ++reported;
  }
}

}  // namespace silta::validation
