#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <map>
#include <span>

#include "base/numbers.h"
#include "mapping/mapping.h"
#include "mapping/transforms.h"

namespace silta::mapping {
namespace {

// Name-based UUIDs (RFC 4122 version 5) in Silta's own namespace: the same record part gives
// the same resource id on every run and every machine.
constexpr std::array<uint8_t, 16> kSiltaNamespace = {
    0x6f, 0x1c, 0x3a, 0x52, 0x8e, 0x07, 0x4d, 0x2b, 0x9a, 0x41, 0x0c, 0x77, 0x5e, 0x93, 0xd2, 0x18};

// SHA-1, fetched once: OpenSSL 3 looks the algorithm up on every EVP_sha1() digest otherwise.
// A fetched EVP_MD is immutable and may be used by many threads at once.
const EVP_MD* Sha1() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    return fetched != nullptr ? fetched : EVP_sha1();
  }();
  return md;
}

std::string NameUuid(std::string_view name) {
  // One digest context per thread: EVP_Digest would allocate and free one per id.
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context context;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (context.ctx == nullptr || EVP_DigestInit_ex(context.ctx, Sha1(), nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, kSiltaNamespace.data(), kSiltaNamespace.size()) != 1 ||
      EVP_DigestUpdate(context.ctx, name.data(), name.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, digest, &length) != 1) {
    std::string input(reinterpret_cast<const char*>(kSiltaNamespace.data()),
                      kSiltaNamespace.size());
    input.append(name);
    EVP_Digest(input.data(), input.size(), digest, &length, Sha1(), nullptr);
  }
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

// The id of the resource made from the record part whose business identifier value is given.
std::string ResourceIdOf(std::string_view canonical_base, std::string_view part_value) {
  std::string name(canonical_base);
  name += '|';
  name += part_value;
  return NameUuid(name);
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHexUpper[] = "0123456789ABCDEF";
  auto needs_escape = [](unsigned char c) {
    return c == '/' || c == '%' || c == '|' || c < 0x20 || c == ' ';
  };
  // Ids and codes seldom hold any of these: such text is copied whole.
  if (std::none_of(text.begin(), text.end(), needs_escape)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (unsigned char c : text) {
    if (needs_escape(c)) {
      out += '%';
      out += kHexUpper[c >> 4];
      out += kHexUpper[c & 0x0f];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    std::optional<unsigned> byte;
    if (text[i] == '%' && i + 2 < text.size()) {
      byte = ParseInteger<unsigned>(text.substr(i + 1, 2), 0, 0xFF, 16);
    }
    // A '%' that does not start an escape is kept as it is.
    if (byte) {
      out += static_cast<char>(*byte);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool HasArrayMarker(const Path& path) {
  return std::any_of(path.segments.begin(), path.segments.end(),
                     [](const PathSegment& s) { return s.array_marker; });
}

bool IsJsonNumber(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  size_t digits = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == digits || (text[digits] == '0' && i - digits > 1)) return false;
  if (i < text.size() && text[i] == '.') {
    size_t frac = ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == frac) return false;
  }
  return i == text.size();
}

// The record array element at `path` whose id is the id of `mapped`, if any.
json::Value* ElementWithId(json::Value& record, const Path& path, const json::Value& mapped) {
  const json::Value* id = mapped.Find("id");
  if (id == nullptr || id->kind() != json::Value::Kind::kString || !HasArrayMarker(path)) {
    return nullptr;
  }
  for (json::Value* existing : SelectMutable(record, path)) {
    const json::Value* existing_id = existing->is_object() ? existing->Find("id") : nullptr;
    if (existing_id != nullptr && existing_id->text() == id->text()) return existing;
  }
  return nullptr;
}

// Members in the order of the FHIR definition (resourceType first, "_x" beside "x"), at every
// level: the output reads like FHIR written by hand, whatever the order of the rules.
void SortMembers(json::Value& node, const model::TypeDef* type, const model::TypeModel& model) {
  if (node.is_array()) {
    for (auto& item : node.items()) SortMembers(item, type, model);
    return;
  }
  if (!node.is_object()) return;
  if (const json::Value* resource_type = node.Find("resourceType")) {
    if (const model::TypeDef* t = model.FindResource(resource_type->text())) type = t;
  }
  if (type == nullptr) return;
  // Each member is looked up once: its rank and the type its value is sorted by.
  struct Ranked {
    uint32_t rank;
    uint32_t index;
    const model::TypeDef* type;
  };
  std::vector<json::Value::Member>& members = node.members();
  // Most objects have a handful of members: their ranks stay on the stack.
  constexpr size_t kOnStack = 24;
  std::array<Ranked, kOnStack> ranked_on_stack;
  std::vector<Ranked> ranked_on_heap;
  std::span<Ranked> ranked;
  if (members.size() <= kOnStack) {
    ranked = std::span<Ranked>(ranked_on_stack.data(), members.size());
  } else {
    ranked_on_heap.resize(members.size());
    ranked = ranked_on_heap;
  }
  bool sorted = true;
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string& name = members[i].first;
    Ranked r{UINT32_MAX, static_cast<uint32_t>(i), nullptr};
    model::TypeDef::MemberMatch match;
    std::string_view plain = name.starts_with("_") ? std::string_view(name).substr(1) : name;
    if (name == "resourceType") {
      r.rank = 0;
    } else if (type->MatchMember(plain, &match)) {
      // XML attributes (id, url) first, as FHIR JSON is usually written.
      uint32_t group = match.element->xml_attribute ? 0u : 1u;
      r.rank = (group << 20) + 2u * (match.element->order + 1u) + (name.starts_with("_") ? 1u : 0u);
      r.type = match.type;
    }
    if (i > 0 && r.rank < ranked[i - 1].rank) sorted = false;
    ranked[i] = r;
  }
  if (!sorted) {
    // Insertion sort: stable, no buffer, and the lists are short and nearly in order.
    for (size_t i = 1; i < ranked.size(); ++i) {
      Ranked moving = ranked[i];
      size_t j = i;
      for (; j > 0 && ranked[j - 1].rank > moving.rank; --j) ranked[j] = ranked[j - 1];
      ranked[j] = moving;
    }
    std::vector<json::Value::Member> in_order;
    in_order.reserve(members.size());
    for (const Ranked& r : ranked) in_order.push_back(std::move(members[r.index]));
    members = std::move(in_order);
  }
  for (size_t i = 0; i < members.size(); ++i) {
    if (ranked[i].type != nullptr) SortMembers(members[i].second, ranked[i].type, model);
  }
}

class Run {
 public:
  explicit Run(IssueSink& sink) : sink_(sink) {}

  void Error(const Rule* rule, std::string message_id, std::string message,
             std::string expression) {
    Issue issue;
    issue.severity = Severity::kError;
    issue.type = IssueType::kProcessing;
    issue.message_id = std::move(message_id);
    issue.message = rule != nullptr ? message + " (" + rule->location + ")" : std::move(message);
    issue.expression = std::move(expression);
    sink_.Report(std::move(issue));
    failed_ = true;
  }
  bool failed() const { return failed_; }

  TransformEnv env;
  std::string where;  // record location of the part being mapped, for messages

  StatusOr<json::Value> ScalarToFhir(const json::Value& v, model::Primitive p) {
    switch (p) {
      case model::Primitive::kInteger:
      case model::Primitive::kUnsignedInt:
      case model::Primitive::kPositiveInt:
      case model::Primitive::kDecimal:
        if (!v.is_scalar() || !IsJsonNumber(v.text())) {
          return InvalidArgumentError("expected a number, found \"" + v.text() + "\"");
        }
        return json::Value::Number(v.text());
      case model::Primitive::kBoolean:
        if (v.kind() != json::Value::Kind::kBool) return InvalidArgumentError("expected a boolean");
        return v;
      case model::Primitive::kNone:
        return v;  // a complex value copied as is (a code object becomes a Coding)
      default:
        if (!v.is_scalar()) return InvalidArgumentError("expected a text value");
        return json::Value::String(v.text());
    }
  }

  static json::Value ScalarFromFhir(const json::Value& v, ValueKind kind) {
    if (!v.is_scalar()) return v;
    switch (kind) {
      case ValueKind::kNumber:
        return IsJsonNumber(v.text()) ? json::Value::Number(v.text())
                                      : json::Value::String(v.text());
      case ValueKind::kBoolean:
        return v.kind() == json::Value::Kind::kBool ? v : json::Value::String(v.text());
      case ValueKind::kString:
        return json::Value::String(v.text());
    }
    return v;
  }

  static bool WhenHolds(const Rule& rule, const json::Value& record,
                        std::vector<const json::Value*>& scratch) {
    if (rule.when.empty()) return true;
    Select(record, rule.when, scratch);
    for (const json::Value* v : scratch) {
      if (!v->is_null() && !(v->kind() == json::Value::Kind::kBool && v->text() == "false")) {
        return true;
      }
    }
    return false;
  }

  void ToFhir(const std::vector<Rule>& rules, const json::Value& record, json::Value& fhir) {
    // Selections are kept per nesting level of group rules and reused from rule to rule: a
    // record maps through hundreds of rules.
    if (selections_.size() <= level_) selections_.emplace_back();
    std::vector<const json::Value*>& values = selections_[level_];
    ++level_;
    for (const Rule& rule : rules) {
      if (!WhenHolds(rule, record, values)) continue;
      if (rule.constant || !rule.link_module.empty()) {
        json::Value* node = mapping::Create(fhir, rule.fhir, false);
        if (node == nullptr) {
          Error(&rule, "MAP_PATH_BLOCKED", "cannot write " + rule.fhir.text, where);
          continue;
        }
        if (rule.constant) {
          auto value = ScalarToFhir(*rule.constant, rule.fhir_primitive);
          if (!value.ok()) {
            Error(&rule, "MAP_CONSTANT", value.status().message(), where);
            continue;
          }
          *node = std::move(*value);
        } else {
          json::Value ref = json::Value::Object();
          ref["reference"] = json::Value::String(env.reference_to(rule.link_module, ""));
          *node = std::move(ref);
        }
        continue;
      }
      Select(record, rule.record, values);
      if (rule.is_group()) {
        for (const json::Value* item : values) {
          json::Value* node = mapping::Create(fhir, rule.fhir, true);
          if (node == nullptr) {
            Error(&rule, "MAP_PATH_BLOCKED", "cannot write " + rule.fhir.text, where);
            continue;
          }
          if (node->is_null()) *node = json::Value::Object();
          ToFhir(rule.rules, *item, *node);
        }
        continue;
      }
      bool fresh = HasArrayMarker(rule.record) || values.size() > 1;
      for (const json::Value* value : values) {
        const json::Value* in = value;
        json::Value coded;
        if (rule.codes != nullptr) {
          auto code = rule.codes->ToFhir(value->text());
          if (!code) {
            Error(&rule, "MAP_CODE_UNMAPPED",
                  "code \"" + value->text() + "\" has no entry in code map " + rule.codes->name,
                  where + "." + rule.record.text);
            continue;
          }
          coded = json::Value::String(*code);
          in = &coded;
        }
        StatusOr<json::Value> converted =
            rule.transform != nullptr ? rule.transform->ToFhir(*in, rule.transform_argument, env)
                                      : ScalarToFhir(*in, rule.fhir_primitive);
        if (!converted.ok()) {
          Error(&rule, "MAP_VALUE", converted.status().message(), where + "." + rule.record.text);
          continue;
        }
        json::Value* node = mapping::Create(fhir, rule.fhir, fresh);
        if (node == nullptr) {
          Error(&rule, "MAP_PATH_BLOCKED", "cannot write " + rule.fhir.text, where);
          continue;
        }
        *node = std::move(*converted);
      }
    }
    --level_;
  }

  void FromFhir(const std::vector<Rule>& rules, const json::Value& fhir, json::Value& record,
                const std::string& fhir_where) {
    for (const Rule& rule : rules) {
      if (rule.constant || !rule.link_module.empty()) continue;
      std::vector<const json::Value*> nodes = Select(fhir, rule.fhir);
      bool fresh = HasArrayMarker(rule.record);
      if (rule.is_group()) {
        for (const json::Value* node : nodes) {
          if (rule.record.empty()) {
            FromFhir(rule.rules, *node, record, fhir_where + "." + rule.fhir.text);
            continue;
          }
          json::Value mapped = json::Value::Object();
          FromFhir(rule.rules, *node, mapped, fhir_where + "." + rule.fhir.text);
          // Record array elements are identified by their id: a group mapping back into an
          // element another rule or module already made (a professional's Practitioner and its
          // CareTeam participant) completes it instead of adding a second one.
          json::Value* item = ElementWithId(record, rule.record, mapped);
          if (item == nullptr) item = mapping::Create(record, rule.record, fresh);
          if (item == nullptr) {
            Error(&rule, "MAP_PATH_BLOCKED", "cannot write " + rule.record.text, fhir_where);
            continue;
          }
          if (item->is_null()) *item = json::Value::Object();
          for (auto& [name, value] : mapped.members()) (*item)[name] = std::move(value);
        }
        continue;
      }
      for (const json::Value* node : nodes) {
        StatusOr<json::Value> converted =
            rule.transform != nullptr
                ? rule.transform->FromFhir(*node, rule.transform_argument, env)
                : StatusOr<json::Value>(ScalarFromFhir(*node, rule.record_kind));
        if (!converted.ok()) {
          Error(&rule, "MAP_VALUE", converted.status().message(),
                fhir_where + "." + rule.fhir.text);
          continue;
        }
        if (rule.codes != nullptr) {
          auto code = rule.codes->FromFhir(converted->text());
          if (!code) {
            Error(&rule, "MAP_CODE_UNMAPPED",
                  "code \"" + converted->text() + "\" has no entry in code map " + rule.codes->name,
                  fhir_where + "." + rule.fhir.text);
            continue;
          }
          *converted = json::Value::String(*code);
        }
        json::Value* out =
            rule.record.empty() ? &record : mapping::Create(record, rule.record, fresh);
        if (out == nullptr) {
          Error(&rule, "MAP_PATH_BLOCKED", "cannot write " + rule.record.text, fhir_where);
          continue;
        }
        *out = std::move(*converted);
      }
    }
  }

 private:
  IssueSink& sink_;
  bool failed_ = false;
  std::deque<std::vector<const json::Value*>> selections_;  // deque: references stay valid
  size_t level_ = 0;
};

std::string TextAt(const json::Value& object, std::string_view a, std::string_view b = {}) {
  const json::Value* v = object.is_object() ? object.Find(a) : nullptr;
  if (v != nullptr && !b.empty()) v = v->is_object() ? v->Find(b) : nullptr;
  return v != nullptr && v->kind() == json::Value::Kind::kString ? v->text() : std::string();
}

}  // namespace

StatusOr<std::shared_ptr<const Mapper>> Mapper::Load(const std::filesystem::path& mappings_dir,
                                                     std::shared_ptr<const model::TypeModel> model,
                                                     MapperOptions options,
                                                     IssueSink* problems_sink) {
  std::error_code ec;
  if (!std::filesystem::is_directory(mappings_dir, ec)) {
    return NotFoundError("mappings folder " + mappings_dir.string() + " not found");
  }
  std::vector<std::filesystem::path> folders;
  for (const auto& entry : std::filesystem::directory_iterator(mappings_dir, ec)) {
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "mapping.json")) {
      folders.push_back(entry.path());
    }
  }
  std::sort(folders.begin(), folders.end());
  std::shared_ptr<Mapper> mapper(new Mapper());
  mapper->model_ = model;
  mapper->options_ = std::move(options);
  std::string problems;
  for (const auto& folder : folders) {
    auto module = LoadModule(folder, *model, mapper->options_.canonical_base, problems_sink);
    if (!module.ok()) {
      problems += (problems.empty() ? "" : "\n") + module.status().message();
      continue;
    }
    if ((*module)->is_client()) {
      if (mapper->root_ != nullptr) {
        problems += (problems.empty() ? "" : "\n") + folder.string() +
                    ": a second module maps the record root (the first is " + mapper->root_->name +
                    ")";
      }
      mapper->root_ = module->get();
    }
    mapper->modules_.push_back(std::move(*module));
  }
  if (!problems.empty()) return InvalidArgumentError(problems);
  for (const auto& module : mapper->modules_) {
    mapper->narrative_tables_.push_back(
        NarrativeTableFor(module->resource_type, mapper->options_.canonical_base));
  }
  if (mapper->root_ == nullptr) {
    return InvalidArgumentError(mappings_dir.string() +
                                ": no mapping module maps the record root (source \"$\")");
  }
  return std::shared_ptr<const Mapper>(std::move(mapper));
}

const Module* Mapper::FindModule(std::string_view name) const {
  for (const auto& m : modules_) {
    if (m->name == name) return m.get();
  }
  return nullptr;
}

std::string Mapper::PartIdentifierSystem() const {
  return options_.canonical_base + "/sid/client-record-part";
}

std::string Mapper::PartIdentifierValue(const PartIdentity& part) {
  std::string value = PercentEncode(part.county_code) + "/" + PercentEncode(part.client_id) + "/" +
                      PercentEncode(part.module);
  if (!part.part_id.empty()) value += "/" + PercentEncode(part.part_id);
  return value;
}

std::optional<PartIdentity> Mapper::ParsePartIdentifierValue(std::string_view value) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = value.find('/', start);
    parts.push_back(PercentDecode(value.substr(start, slash - start)));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 3 && parts.size() != 4) return std::nullopt;
  return PartIdentity{parts[0], parts[1], parts[2], parts.size() == 4 ? parts[3] : ""};
}

std::optional<json::Value> Mapper::ToFhir(const json::Value& record, IssueSink& sink) const {
  Run run(sink);
  const std::string county = TextAt(record, "county", "code");
  const std::string client = TextAt(record, "clientId");
  if (county.empty() || client.empty()) {
    run.Error(nullptr, "MAP_RECORD_IDENTITY", "the record needs county.code and clientId", "$");
    return std::nullopt;
  }
  auto identity = [&](std::string_view module, std::string_view part_id) {
    const Module* m = module == "client" ? root_ : FindModule(module);
    return PartIdentity{county, client, m != nullptr ? m->name : std::string(module),
                        std::string(part_id)};
  };
  run.env.canonical_base = options_.canonical_base;
  // Parts are referred to many times (every CareTeam member, every payer); each id once.
  struct KnownReference {
    std::string module;
    std::string part_id;
    std::string reference;
  };
  std::vector<KnownReference> references;
  run.env.reference_to = [&](std::string_view module, std::string_view part_id) {
    for (const KnownReference& known : references) {
      if (known.part_id == part_id && known.module == module) return known.reference;
    }
    std::string reference =
        "urn:uuid:" +
        ResourceIdOf(options_.canonical_base, PartIdentifierValue(identity(module, part_id)));
    references.push_back({std::string(module), std::string(part_id), reference});
    return reference;
  };

  json::Value bundle = json::Value::Object();
  bundle["resourceType"] = json::Value::String("Bundle");
  bundle["type"] = json::Value::String(
      options_.bundle_kind == BundleKind::kTransaction ? "transaction" : "collection");
  json::Value& entries = bundle["entry"] = json::Value::Array();
  for (size_t m = 0; m < modules_.size(); ++m) {
    const std::shared_ptr<const Module>& module = modules_[m];
    std::vector<const json::Value*> items;
    if (module->is_root()) {
      items.push_back(&record);
    } else {
      items = Select(record, module->source);
    }
    if (!module->is_client() && module->is_root() && Select(record, module->only_if).empty()) {
      items.clear();
    }
    for (size_t i = 0; i < items.size(); ++i) {
      const json::Value& item = *items[i];
      std::string part_id;
      run.where =
          module->is_root() ? "$" : "$." + module->source.text + "[" + std::to_string(i) + "]";
      if (!module->is_root()) {
        part_id = TextAt(item, "id");
        if (part_id.empty()) {
          run.Error(nullptr, "MAP_PART_ID", "a record part needs an id", run.where);
          continue;
        }
      }
      PartIdentity part = identity(module->name, part_id);
      const std::string part_value = PartIdentifierValue(part);
      std::string id = ResourceIdOf(options_.canonical_base, part_value);
      json::Value resource = json::Value::Object();
      resource["resourceType"] = json::Value::String(module->resource_type);
      resource["id"] = json::Value::String(id);
      resource["meta"]["profile"].Append(json::Value::String(module->ProfileFor(item)));
      json::Value identifier = json::Value::Object();
      identifier["system"] = json::Value::String(PartIdentifierSystem());
      identifier["value"] = json::Value::String(part_value);
      std::vector<json::Value> contained;
      run.env.contain = [&contained](json::Value made) {
        auto same = std::find(contained.begin(), contained.end(), made);
        size_t index = static_cast<size_t>(same - contained.begin());
        if (same == contained.end()) contained.push_back(std::move(made));
        return "#org" + std::to_string(index + 1);
      };
      run.ToFhir(module->rules, item, resource);
      run.env.contain = nullptr;
      if (!contained.empty()) {
        json::Value& out = resource["contained"] = json::Value::Array();
        for (size_t c = 0; c < contained.size(); ++c) {
          contained[c]["id"] = json::Value::String("org" + std::to_string(c + 1));
          out.Append(std::move(contained[c]));
        }
      }
      // The business identifier goes first so that servers and people see it at once.
      json::Value& identifiers = resource["identifier"];
      if (identifiers.is_null()) identifiers = json::Value::Array();
      identifiers.items().insert(identifiers.items().begin(), std::move(identifier));
      // Built last, from the finished resource: it shows what the resource says. Contained
      // resources get none (R4 DomainResource.text: "Contained resources do not have
      // narrative"); their names show through the references' displays.
      if (module->narrative.enabled) {
        resource["text"] = GenerateNarrative(resource, narrative_tables_[m], module->narrative);
      }
      SortMembers(resource, nullptr, *model_);

      json::Value entry = json::Value::Object();
      entry["fullUrl"] = json::Value::String("urn:uuid:" + id);
      entry["resource"] = std::move(resource);
      if (options_.bundle_kind == BundleKind::kTransaction) {
        entry["request"]["method"] = json::Value::String("PUT");
        entry["request"]["url"] = json::Value::String(
            module->resource_type + "?identifier=" + PercentEncode(PartIdentifierSystem()) + "%7C" +
            PercentEncode(part_value));
      }
      entries.Append(std::move(entry));
    }
  }
  if (run.failed()) return std::nullopt;
  return bundle;
}

std::optional<json::Value> Mapper::FromFhir(const json::Value& bundle, IssueSink& sink) const {
  Run run(sink);
  const json::Value* entries = bundle.is_object() ? bundle.Find("entry") : nullptr;
  if (TextAt(bundle, "resourceType") != "Bundle" || entries == nullptr || !entries->is_array()) {
    run.Error(nullptr, "MAP_NOT_A_BUNDLE", "expected a Bundle with entries", "Bundle");
    return std::nullopt;
  }
  struct Part {
    PartIdentity identity;
    const json::Value* resource;
    size_t index;
  };
  std::vector<Part> parts;
  std::map<std::string, size_t, std::less<>> by_reference;  // fullUrl and Type/id → parts index
  const std::string system = PartIdentifierSystem();
  for (size_t i = 0; i < entries->items().size(); ++i) {
    const json::Value& entry = entries->items()[i];
    const json::Value* resource = entry.Find("resource");
    if (resource == nullptr) continue;
    std::optional<PartIdentity> identity;
    if (const json::Value* ids = resource->Find("identifier")) {
      for (const auto& id : ids->items()) {
        if (TextAt(id, "system") == system)
          identity = ParsePartIdentifierValue(TextAt(id, "value"));
      }
    }
    if (!identity) continue;  // not made from a client record: not ours to map back
    by_reference[TextAt(entry, "fullUrl")] = parts.size();
    by_reference[TextAt(*resource, "resourceType") + "/" + TextAt(*resource, "id")] = parts.size();
    parts.push_back({*identity, resource, i});
  }
  const Part* root = nullptr;
  for (const auto& part : parts) {
    if (part.identity.module == root_->name) {
      if (root != nullptr) {
        run.Error(nullptr, "MAP_TWO_CLIENTS", "the Bundle holds more than one client resource",
                  "Bundle.entry[" + std::to_string(part.index) + "]");
        return std::nullopt;
      }
      root = &part;
    }
  }
  if (root == nullptr) {
    run.Error(nullptr, "MAP_NO_CLIENT",
              "the Bundle holds no " + root_->resource_type + " made from a client record",
              "Bundle");
    return std::nullopt;
  }
  run.env.canonical_base = options_.canonical_base;
  run.env.resolve = [&](std::string_view reference) -> std::optional<PartRef> {
    auto it = by_reference.find(reference);
    if (it == by_reference.end()) return std::nullopt;
    const PartIdentity& identity = parts[it->second].identity;
    if (identity.module == root_->name) return PartRef{"client", ""};
    return PartRef{identity.module, identity.part_id};
  };

  json::Value record = json::Value::Object();
  record["recordVersion"] = json::Value::String("1");
  record["clientId"] = json::Value::String(root->identity.client_id);
  // Each part's resource is mapped without the business identifier the engine added.
  auto without_part_identifier = [&](const json::Value& resource) {
    json::Value copy = resource;
    if (json::Value* ids = copy.Find("identifier")) {
      std::erase_if(ids->items(),
                    [&](const json::Value& id) { return TextAt(id, "system") == system; });
      if (ids->items().empty()) copy.Remove("identifier");
    }
    return copy;
  };
  auto where = [](const Part& part) {
    return "Bundle.entry[" + std::to_string(part.index) + "].resource";
  };
  // Organisation refs are contained in the resource that names them.
  auto map_back = [&](const Module& module, const json::Value& resource, json::Value& item,
                      const std::string& at) {
    json::Value copy = without_part_identifier(resource);
    run.env.find_contained = [&copy](std::string_view reference) -> const json::Value* {
      const json::Value* contained = copy.Find("contained");
      if (contained == nullptr || !reference.starts_with("#")) return nullptr;
      for (const auto& c : contained->items()) {
        if (TextAt(c, "id") == reference.substr(1)) return &c;
      }
      return nullptr;
    };
    run.FromFhir(module.rules, copy, item, at);
    run.env.find_contained = nullptr;
  };
  map_back(*root_, *root->resource, record, where(*root));
  for (const auto& part : parts) {
    if (&part == root) continue;
    const Module* module = FindModule(part.identity.module);
    if (module == nullptr) {
      run.Error(nullptr, "MAP_UNKNOWN_MODULE",
                "no mapping module \"" + part.identity.module + "\" is loaded", where(part));
      continue;
    }
    if (part.identity.client_id != root->identity.client_id ||
        part.identity.county_code != root->identity.county_code) {
      run.Error(nullptr, "MAP_OTHER_CLIENT", "the resource belongs to another client record",
                where(part));
      continue;
    }
    json::Value* item = nullptr;
    if (module->is_root()) {
      item = &record;
    } else {
      for (json::Value* existing : SelectMutable(record, module->source)) {
        if (TextAt(*existing, "id") == part.identity.part_id) item = existing;
      }
      if (item == nullptr) {
        item = Create(record, module->source, true);
        if (item == nullptr) continue;
        *item = json::Value::Object();
        (*item)["id"] = json::Value::String(part.identity.part_id);
      }
    }
    map_back(*module, *part.resource, *item, where(part));
  }
  if (run.failed()) return std::nullopt;
  return record;
}

}  // namespace silta::mapping
