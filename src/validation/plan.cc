#include "validation/plan.h"

#include "validation/invariants.h"

#include <rapidjson/error/en.h>

#include <algorithm>

#include "json/json.h"

namespace silta::validation::internal {

namespace {

uint32_t ParseMax(std::string_view max, uint32_t fallback) {
  if (max.empty()) return fallback;
  if (max == "*") return model::kUnbounded;
  uint32_t n = 0;
  for (char c : max) {
    if (c < '0' || c > '9') return fallback;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

uint32_t ParseUnsigned(const rapidjson::Value* v) {
  if (v == nullptr) return 0;
  if (v->IsUint()) return v->GetUint();
  if (!v->IsString()) return 0;
  // By length: a number parsed in situ is not NUL-terminated.
  uint32_t n = 0;
  for (char c : json::AsString(*v)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

// The last segment of an element id and its parts: "identifier:mrn" → name, slice.
struct IdSegment {
  std::string_view parent_id;
  std::string_view name;
  std::string_view slice;  // may hold "a/b" for a re-slice
};

IdSegment SplitId(std::string_view id) {
  IdSegment seg;
  // Slice names may contain dots only in odd profiles; the last '.' outside a slice name wins.
  size_t dot = id.rfind('.');
  size_t colon = id.rfind(':');
  if (colon != std::string_view::npos && dot != std::string_view::npos && colon > dot) {
    // fine: "a.b:c"
  } else if (colon != std::string_view::npos && dot != std::string_view::npos && colon < dot) {
    // "a.b:c.d": the slice belongs to an earlier segment
  }
  if (dot == std::string_view::npos) {
    seg.name = id;
  } else {
    seg.parent_id = id.substr(0, dot);
    seg.name = id.substr(dot + 1);
  }
  size_t c = seg.name.find(':');
  if (c != std::string_view::npos) {
    seg.slice = seg.name.substr(c + 1);
    seg.name = seg.name.substr(0, c);
  }
  return seg;
}

std::string_view StripChoice(std::string_view name) {
  if (name.size() > 3 && name.substr(name.size() - 3) == "[x]") {
    return name.substr(0, name.size() - 3);
  }
  return name;
}

// The type an element's children belong to, if it is one type.
const model::TypeDef* InstanceType(const model::TypeModel& m, const model::ElementDef* ed,
                                   const model::TypeDef* matched, const ElementPlan& plan) {
  if (matched != nullptr) return matched;
  if (ed == nullptr) return nullptr;
  if (ed->types.size() == 1) return ed->types[0];
  if (plan.types.size() == 1)
    return plan.types[0].type != nullptr ? plan.types[0].type : m.Find(plan.types[0].code);
  return nullptr;
}

}  // namespace

bool HasSnapshot(const rapidjson::Value& sd) {
  const rapidjson::Value* snapshot = json::Member(sd, "snapshot");
  return snapshot != nullptr && !json::ArrayMember(*snapshot, "element").Empty();
}

const ElementPlan* ElementPlan::Child(std::string_view name) const {
  for (const ElementPlan* c : children) {
    std::string_view last = c->path;
    size_t dot = last.rfind('.');
    if (dot != std::string_view::npos) last = last.substr(dot + 1);
    if (last == name || StripChoice(last) == name) return c;
  }
  return nullptr;
}

std::shared_ptr<const fhirpath::CompiledExpression> ConstraintCache::CompilePath(
    std::string_view context_type, std::string_view path) {
  fhirpath::CompileOptions options{.model = model_, .context_type = std::string(context_type)};
  auto compiled = fhirpath::CompiledExpression::Compile(path, options);
  if (!compiled.ok()) {
    options.context_type.clear();
    compiled = fhirpath::CompiledExpression::Compile(path, options);
  }
  return compiled.ok() ? *compiled : nullptr;
}

namespace {

constexpr std::string_view kQue12AsPublished =
    "enableWhen.count() > 2 implies enableBehavior.exists()";
constexpr std::string_view kQue12AsStated =
    "enableWhen.count() > 1 implies enableBehavior.exists()";

}  // namespace

const Constraint* ConstraintCache::Get(std::string_view context_type, std::string_view key,
                                       std::string_view expression, Severity severity,
                                       bool best_practice, std::string_view human) {
  std::string cache_key;
  cache_key.append(context_type).append(1, '\0').append(key).append(1, '\0').append(expression);
  cache_key.append(1, static_cast<char>('0' + static_cast<int>(severity)));
  std::lock_guard lock(mu_);
  auto it = cache_.find(cache_key);
  if (it != cache_.end()) return it->second.get();
  auto c = std::make_unique<Constraint>();
  c->key = std::string(key);
  c->key_hash = std::hash<std::string_view>{}(key);
  c->severity = severity;
  c->best_practice = best_practice;
  c->human = std::string(human);
  c->expression = std::string(expression);
  if (key == "ele-1") {
    c->native = NativeConstraint::kEle1;
  } else if (key == "ext-1") {
    c->native = NativeConstraint::kExt1;
  } else if (key == "dom-3") {
    // Native: R4's expression misses references from the narrative, which narrative.html
    // allows (<img src="#binary"/> to a contained Binary).
    c->native = NativeConstraint::kDom3;
  } else if (expression.empty()) {
    c->native = NativeConstraint::kSkip;
    c->skip_reason = "no FHIRPath expression";
  } else if (key == "que-7" && expression.find("is Boolean") != std::string_view::npos) {
    // R4's que-7 tests "answer is Boolean": a FHIR boolean is not a System.Boolean, so the
    // invariant fails on valid data (R5 corrected it to "answer is boolean").
    c->native = NativeConstraint::kSkip;
    c->skip_reason = "defective in R4: tests the System type Boolean instead of FHIR boolean";
  } else if (key == "que-12" && expression == kQue12AsPublished) {
    // R4's que-12 says "If there are more than one enableWhen, enableBehavior must be
    // specified", as does Questionnaire.item.enableBehavior ("This element must be specified if
    // more than one enableWhen value is provided"), but its published expression counts "> 2"
    // and lets two enableWhen without enableBehavior through. The stated rule is checked.
    c->compiled = CompilePath(context_type, kQue12AsStated);
    if (c->compiled == nullptr) {
      c->native = NativeConstraint::kSkip;
      c->skip_reason = "does not compile";
    }
  } else if (expression.find("htmlChecks") != std::string_view::npos) {
    c->native = NativeConstraint::kSkip;
    c->skip_reason = "narrative rules are checked natively";
  } else if (expression.find("conformsTo") != std::string_view::npos) {
    c->native = NativeConstraint::kSkip;
    c->skip_reason = "conformsTo() needs profile validation inside FHIRPath";
  } else {
    fhirpath::CompileOptions options{.model = model_, .context_type = std::string(context_type)};
    auto compiled = fhirpath::CompiledExpression::Compile(expression, options);
    if (!compiled.ok()) {
      options.context_type.clear();
      compiled = fhirpath::CompiledExpression::Compile(expression, options);
    }
    if (compiled.ok()) {
      c->compiled = *compiled;
      c->fast = FindNativeInvariant(expression);
    } else {
      c->native = NativeConstraint::kSkip;
      c->skip_reason = "does not compile: " + compiled.status().message();
    }
  }
  const Constraint* result = c.get();
  cache_.emplace(std::move(cache_key), std::move(c));
  return result;
}

namespace {

Expected ExpectedAt(const ElementPlan& slice, std::string_view path) {
  Expected out;
  out.node = &slice;
  const rapidjson::Value* json = nullptr;
  if (path == "$this") {
    out.value = slice.fixed != nullptr ? slice.fixed : slice.pattern;
    return out;
  }
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t dot = path.find('.', pos);
    std::string_view seg =
        path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    pos = dot == std::string_view::npos ? path.size() + 1 : dot + 1;
    if (seg.find('(') != std::string_view::npos) {
      if (seg.rfind("ofType(", 0) == 0 || seg == "resolve()") continue;
      out.node = nullptr;  // extension('...') and friends: not followed
      return out;
    }
    if (json == nullptr && out.node != nullptr) {
      const ElementPlan* child = out.node->Child(seg);
      if (child != nullptr && !child->slices.empty()) {
        // The path runs through a sliced element (code.coding where coding is sliced): when
        // the element itself fixes nothing, the value is fixed in a required slice of it.
        std::string_view rest = pos > path.size() ? std::string_view() : path.substr(pos);
        Expected through = rest.empty() ? Expected{child, nullptr, {}} : ExpectedAt(*child, rest);
        if (rest.empty()) through.value = child->fixed != nullptr ? child->fixed : child->pattern;
        if (through.value != nullptr || !through.profile_url.empty()) return through;
        for (const ElementPlan* candidate : child->slices) {
          if (candidate->min == 0) continue;
          Expected in_slice =
              rest.empty() ? Expected{candidate, nullptr, {}} : ExpectedAt(*candidate, rest);
          if (rest.empty()) {
            in_slice.value = candidate->fixed != nullptr ? candidate->fixed : candidate->pattern;
          }
          if (in_slice.value != nullptr) return in_slice;
        }
        return through;
      }
      if (child != nullptr) {
        out.node = child;
        continue;
      }
      if (seg == "url" && !out.node->types.empty() && !out.node->types[0].profiles.empty()) {
        out.profile_url = out.node->types[0].profiles[0];
        out.node = nullptr;
        return out;
      }
      json = out.node->fixed != nullptr ? out.node->fixed : out.node->pattern;
      out.node = nullptr;
      if (json == nullptr) return out;
    }
    if (json != nullptr) {
      const rapidjson::Value* base = json->IsArray() && !json->Empty() ? &(*json)[0] : json;
      if (!base->IsObject()) return Expected{};
      auto m = base->FindMember(
          rapidjson::StringRef(seg.data(), static_cast<rapidjson::SizeType>(seg.size())));
      if (m == base->MemberEnd()) return Expected{};
      json = &m->value;
    }
  }
  if (json != nullptr) {
    out.value = json;
  } else if (out.node != nullptr) {
    out.value = out.node->fixed != nullptr ? out.node->fixed : out.node->pattern;
  }
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<CompiledProfile>> CompileProfile(std::string_view sd_json,
                                                          const model::TypeModel& model,
                                                          ConstraintCache& constraints,
                                                          const TypeOfProfile& type_of_profile) {
  rapidjson::Document doc;
  doc.Parse<json::kRapidParseFlags>(sd_json.data(), sd_json.size());
  return CompileProfile(doc, model, constraints, type_of_profile);
}

StatusOr<std::unique_ptr<CompiledProfile>> CompileProfile(const rapidjson::Document& doc,
                                                          const model::TypeModel& model,
                                                          ConstraintCache& constraints,
                                                          const TypeOfProfile& type_of_profile) {
  if (doc.HasParseError()) {
    return InvalidArgumentError(std::string("StructureDefinition is not valid JSON: ") +
                                rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (json::StringMember(doc, "resourceType") != "StructureDefinition") {
    return InvalidArgumentError("not a StructureDefinition");
  }
  auto profile = std::make_unique<CompiledProfile>();
  profile->url = std::string(json::StringMember(doc, "url"));
  profile->version = std::string(json::StringMember(doc, "version"));
  profile->name = std::string(json::StringMember(doc, "name"));
  profile->kind = std::string(json::StringMember(doc, "kind"));
  profile->type = std::string(json::StringMember(doc, "type"));
  if (profile->kind == "logical") {
    return InvalidArgumentError("StructureDefinition " + profile->url +
                                " is a logical model; instances of logical models are not "
                                "validated");
  }
  profile->model_type = model.Find(profile->type);
  if (profile->model_type == nullptr) {
    return InvalidArgumentError("StructureDefinition " + profile->url + " constrains type '" +
                                profile->type + "' which the type model does not know");
  }
  if (!HasSnapshot(doc)) {
    return FailedPreconditionError("StructureDefinition " + profile->url + " has no snapshot");
  }
  for (const rapidjson::Value& ctx : json::ArrayMember(doc, "context").GetArray()) {
    CompiledProfile::ExtensionContext context{std::string(json::StringMember(ctx, "type")),
                                              std::string(json::StringMember(ctx, "expression")),
                                              nullptr};
    if (context.type == "fhirpath")
      context.compiled = constraints.CompilePath("", context.expression);
    profile->contexts.push_back(std::move(context));
  }
  for (const rapidjson::Value& inv : json::ArrayMember(doc, "contextInvariant").GetArray()) {
    if (!inv.IsString()) continue;
    std::string expression(inv.GetString(), inv.GetStringLength());
    auto compiled = constraints.CompilePath("", expression);
    profile->context_invariants.push_back({std::move(expression), std::move(compiled)});
  }
  auto& alloc = profile->values.GetAllocator();
  profile->values.SetArray();
  // Values are appended to an array that is reserved up front so pointers stay stable.
  const rapidjson::Value& elements = json::ArrayMember(*json::Member(doc, "snapshot"), "element");
  profile->values.Reserve(elements.Size(), alloc);

  StringMap<ElementPlan*> by_id;
  for (const rapidjson::Value& ed : elements.GetArray()) {
    auto plan = std::make_unique<ElementPlan>();
    ElementPlan& p = *plan;
    p.path = std::string(json::StringMember(ed, "path"));
    p.slice_name = std::string(json::StringMember(ed, "sliceName"));
    p.id = std::string(json::StringMember(ed, "id"));
    if (p.id.empty()) p.id = p.slice_name.empty() ? p.path : p.path + ":" + p.slice_name;
    if (const rapidjson::Value* min = json::Member(ed, "min")) p.min = ParseUnsigned(min);
    p.max = ParseMax(json::StringMember(ed, "max"), model::kUnbounded);
    if (const rapidjson::Value* m = json::Member(ed, "isModifier"); m != nullptr && m->IsBool()) {
      p.is_modifier = m->GetBool();
    }
    p.max_length = ParseUnsigned(json::Member(ed, "maxLength"));
    for (const rapidjson::Value& ext : json::ArrayMember(ed, "extension").GetArray()) {
      std::string_view url = json::StringMember(ext, "url");
      if (url == "http://hl7.org/fhir/StructureDefinition/minLength") {
        p.min_length = ParseUnsigned(json::Member(ext, "valueInteger"));
      } else if (url.size() > 17 && url.substr(url.size() - 17) == "valueAlternatives") {
        std::string_view alternative = json::StringMember(ext, "valueCanonical");
        if (!alternative.empty()) p.value_alternatives.emplace_back(alternative);
      } else if (url == "http://hl7.org/fhir/StructureDefinition/narrative-language-control") {
        std::string_view code = json::StringMember(ext, "valueCode");
        if (!code.empty()) p.narrative_language_control.emplace_back(code);
      } else if (url.size() > 13 && url.substr(url.size() - 13) == "mustHaveValue") {
        const rapidjson::Value* v = json::Member(ext, "valueBoolean");
        p.must_have_value = v != nullptr && v->IsBool() && v->GetBool();
      }
    }
    p.content_reference = std::string(json::StringMember(ed, "contentReference"));
    for (const rapidjson::Value& t : json::ArrayMember(ed, "type").GetArray()) {
      TypeRule rule;
      rule.code = std::string(json::StringMember(t, "code"));
      // FHIRPath system types appear for id/url/value elements: map to the FHIR primitive.
      if (rule.code.rfind("http://hl7.org/fhirpath/System.", 0) == 0) {
        std::string sys = rule.code.substr(31);
        rule.code = sys == "String" ? "string" : sys == "Boolean" ? "boolean" : sys;
      }
      rule.type = model.Find(rule.code);
      for (const rapidjson::Value& prof : json::ArrayMember(t, "profile").GetArray()) {
        if (prof.IsString()) rule.profiles.emplace_back(prof.GetString(), prof.GetStringLength());
      }
      for (const rapidjson::Value& prof : json::ArrayMember(t, "targetProfile").GetArray()) {
        if (!prof.IsString()) continue;
        std::string url(prof.GetString(), prof.GetStringLength());
        std::string type = type_of_profile(url);
        if (!type.empty()) rule.target_types.push_back(type);
        rule.target_profiles.push_back(std::move(url));
      }
      p.types.push_back(std::move(rule));
    }
    for (auto m = ed.MemberBegin(); m != ed.MemberEnd(); ++m) {
      std::string_view name(m->name.GetString(), m->name.GetStringLength());
      bool is_fixed = name.rfind("fixed", 0) == 0 && name.size() > 5;
      bool is_pattern = name.rfind("pattern", 0) == 0 && name.size() > 7;
      bool is_min = name.rfind("minValue", 0) == 0 && name.size() > 8;
      bool is_max = name.rfind("maxValue", 0) == 0 && name.size() > 8;
      if (!is_fixed && !is_pattern && !is_min && !is_max) continue;
      // A deep copy: the definition is parsed in situ, its strings in a buffer that goes when
      // compilation ends.
      profile->values.PushBack(json::DeepCopy(m->value, alloc), alloc);
      const rapidjson::Value* stored = &profile->values[profile->values.Size() - 1];
      if (is_min) {
        p.min_value = stored;
      } else if (is_max) {
        p.max_value = stored;
      } else {
        (is_fixed ? p.fixed : p.pattern) = stored;
      }
    }
    if (const rapidjson::Value* binding = json::Member(ed, "binding")) {
      std::string_view strength = json::StringMember(*binding, "strength");
      p.binding_strength = strength == "required"     ? BindingStrength::kRequired
                           : strength == "extensible" ? BindingStrength::kExtensible
                           : strength == "preferred"  ? BindingStrength::kPreferred
                                                      : BindingStrength::kExample;
      p.value_set = std::string(json::StringMember(*binding, "valueSet"));
      for (const rapidjson::Value& ext : json::ArrayMember(*binding, "extension").GetArray()) {
        std::string_view url = json::StringMember(ext, "url");
        if (url !=
                "http://hl7.org/fhir/5.0/StructureDefinition/"
                "extension-ElementDefinition.binding.additional" &&
            url != "http://hl7.org/fhir/tools/StructureDefinition/additional-binding") {
          continue;
        }
        std::string_view purpose;
        std::string_view value_set;
        bool conditional = false;  // a usage context or "any" we cannot evaluate
        for (const rapidjson::Value& part : json::ArrayMember(ext, "extension").GetArray()) {
          std::string_view name = json::StringMember(part, "url");
          if (name == "purpose") purpose = json::StringMember(part, "valueCode");
          if (name == "valueSet") value_set = json::StringMember(part, "valueCanonical");
          if (name == "usage" || name == "any") conditional = true;
        }
        if (conditional || value_set.empty()) continue;
        if (purpose == "required" || purpose == "maximum") {
          p.additional_bindings.push_back({std::string(value_set), BindingStrength::kRequired});
        } else if (purpose == "extensible" || purpose == "current") {
          p.additional_bindings.push_back({std::string(value_set), BindingStrength::kExtensible});
        }
      }
    }
    if (const rapidjson::Value* slicing = json::Member(ed, "slicing")) {
      p.slicing = std::make_unique<Slicing>();
      if (const rapidjson::Value* o = json::Member(*slicing, "ordered");
          o != nullptr && o->IsBool()) {
        p.slicing->ordered = o->GetBool();
      }
      std::string_view rules = json::StringMember(*slicing, "rules");
      p.slicing->rules = rules == "closed"      ? SlicingRules::kClosed
                         : rules == "openAtEnd" ? SlicingRules::kOpenAtEnd
                                                : SlicingRules::kOpen;
      for (const rapidjson::Value& d : json::ArrayMember(*slicing, "discriminator").GetArray()) {
        Discriminator disc;
        std::string_view type = json::StringMember(d, "type");
        disc.kind = type == "pattern"    ? Discriminator::Kind::kPattern
                    : type == "type"     ? Discriminator::Kind::kType
                    : type == "profile"  ? Discriminator::Kind::kProfile
                    : type == "exists"   ? Discriminator::Kind::kExists
                    : type == "position" ? Discriminator::Kind::kPosition
                                         : Discriminator::Kind::kValue;
        disc.path = std::string(json::StringMember(d, "path"));
        p.slicing->discriminators.push_back(std::move(disc));
      }
    }

    // Place the element in the tree.
    if (profile->elements.empty()) {
      p.child_type = profile->model_type;
    } else {
      IdSegment seg = SplitId(p.id);
      ElementPlan* parent = nullptr;
      if (auto it = by_id.find(seg.parent_id); it != by_id.end()) parent = it->second;
      if (parent == nullptr) {
        return InvalidArgumentError("StructureDefinition " + profile->url + ": element '" + p.id +
                                    "' has no parent element in the snapshot");
      }
      if (!seg.slice.empty()) {
        std::string base_id(seg.parent_id);
        base_id.append(".").append(seg.name);
        size_t slash = seg.slice.rfind('/');
        if (slash != std::string_view::npos) base_id.append(":").append(seg.slice.substr(0, slash));
        auto base = by_id.find(base_id);
        if (base == by_id.end()) {
          return InvalidArgumentError("StructureDefinition " + profile->url + ": slice '" + p.id +
                                      "' has no sliced element");
        }
        ElementPlan* sliced = base->second;
        p.element_def = sliced->element_def;
        sliced->slices.push_back(&p);
        // A slice of value[x] by type ("value[x]:valueQuantity") narrows the instance type.
        // Slices share the sliced element's type, except slices of a choice by type.
        const model::TypeDef* matched = sliced->child_type;
        if (matched == nullptr && p.types.size() == 1) matched = p.types[0].type;
        p.child_type = matched;
      } else if (parent->child_type != nullptr) {
        const model::TypeDef* pt = parent->child_type;
        std::string_view name = StripChoice(seg.name);
        const model::ElementDef* element = pt->FindElement(name);
        const model::TypeDef* matched = nullptr;
        if (element == nullptr) {
          model::TypeDef::MemberMatch match;
          if (pt->MatchMember(seg.name, &match)) {
            element = match.element;
            matched = match.type;
          }
        }
        if (element != nullptr) {
          p.child_type = InstanceType(model, element, matched, p);
          p.element_def = element;
          if (parent->child_slots.empty()) parent->child_slots.resize(pt->elements.size());
          ElementPlan*& slot = parent->child_slots[element->order];
          if (slot == nullptr) {
            slot = &p;
            parent->children.push_back(&p);
          } else {
            // "value[x]" and "valueQuantity" both listed: the typed one acts as a type slice.
            slot->slices.push_back(&p);
          }
        }
        // Elements the model does not know (a profile of another version) are ignored.
      }
      if (seg.slice.empty() && profile->by_path.find(p.path) == profile->by_path.end()) {
        profile->by_path.emplace(p.path, &p);
      }
    }
    if (profile->elements.empty()) profile->by_path.emplace(p.path, &p);
    by_id.emplace(p.id, &p);

    if (p.slicing) {
      std::string slicing_context = p.child_type != nullptr ? p.child_type->name : std::string();
      for (Discriminator& d : p.slicing->discriminators) {
        if (d.path != "$this") d.compiled = constraints.CompilePath(slicing_context, d.path);
      }
    }
    std::string context_type = p.child_type != nullptr ? p.child_type->name : std::string();
    for (const rapidjson::Value& c : json::ArrayMember(ed, "constraint").GetArray()) {
      std::string_view severity = json::StringMember(c, "severity");
      bool best_practice = false;
      for (const rapidjson::Value& ext : json::ArrayMember(c, "extension").GetArray()) {
        if (json::StringMember(ext, "url") ==
            "http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice") {
          const rapidjson::Value* v = json::Member(ext, "valueBoolean");
          best_practice = v != nullptr && v->IsBool() && v->GetBool();
        }
      }
      p.constraints.push_back(constraints.Get(
          context_type, json::StringMember(c, "key"), json::StringMember(c, "expression"),
          severity == "error" ? Severity::kError : Severity::kWarning, best_practice,
          json::StringMember(c, "human")));
    }
    profile->elements.push_back(std::move(plan));
  }
  for (auto& e : profile->elements) {
    std::stable_sort(e->children.begin(), e->children.end(),
                     [](const ElementPlan* a, const ElementPlan* b) {
                       return a->element_def->order < b->element_def->order;
                     });
    for (const ElementPlan* child : e->children) {
      bool required_slice = child->slicing != nullptr &&
                            std::any_of(child->slices.begin(), child->slices.end(),
                                        [](const ElementPlan* slice) { return slice->min > 0; });
      if (child->min > 0 || required_slice) e->required_children.push_back(child);
    }
    if (e->slicing != nullptr) {
      const std::vector<Discriminator>& discriminators = e->slicing->discriminators;
      for (const ElementPlan* slice : e->slices) {
        for (const Discriminator& d : discriminators) {
          e->slicing->expected.push_back(ExpectedAt(*slice, d.path));
        }
      }
    }
    if (e->content_reference.empty()) continue;
    std::string_view ref = e->content_reference;
    size_t hash = ref.find('#');
    if (hash != std::string_view::npos) ref = ref.substr(hash + 1);
    if (auto it = profile->by_path.find(ref); it != profile->by_path.end()) {
      e->reference_target = it->second;
    }
  }
  return profile;
}

namespace {

bool SameTypeRules(const std::vector<TypeRule>& a, const std::vector<TypeRule>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].code != b[i].code || a[i].type != b[i].type || a[i].profiles != b[i].profiles ||
        a[i].target_profiles != b[i].target_profiles) {
      return false;
    }
  }
  return true;
}

bool SameAdditionalBindings(const std::vector<ElementPlan::AdditionalBinding>& a,
                            const std::vector<ElementPlan::AdditionalBinding>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].value_set != b[i].value_set || a[i].strength != b[i].strength) return false;
  }
  return true;
}

// Everything the walker reads from a plan while validating the element itself (cardinality is
// the parent's business). Plans with children, slices, values to compare or texts that name the
// element's id in messages are never taken as the same.
bool ChecksTheSame(const ElementPlan& p, const ElementPlan& b) {
  auto plain = [](const ElementPlan& x) {
    return x.slice_name.empty() && x.children.empty() && x.slicing == nullptr && x.slices.empty() &&
           x.fixed == nullptr && x.pattern == nullptr && x.min_value == nullptr &&
           x.max_value == nullptr && !x.must_have_value && x.value_alternatives.empty() &&
           x.narrative_language_control.empty() && x.content_reference.empty() &&
           x.reference_target == nullptr;
  };
  return plain(p) && plain(b) && p.element_def == b.element_def && p.is_modifier == b.is_modifier &&
         SameTypeRules(p.types, b.types) && p.binding_strength == b.binding_strength &&
         p.value_set == b.value_set &&
         SameAdditionalBindings(p.additional_bindings, b.additional_bindings) &&
         p.max_length == b.max_length && p.min_length == b.min_length &&
         p.constraints == b.constraints;
}

}  // namespace

void LinkUnchangedElements(CompiledProfile& profile, const CompiledProfile& base) {
  for (size_t i = 1; i < profile.elements.size(); ++i) {  // [0], the root, is a resource
    ElementPlan& plan = *profile.elements[i];
    auto found = base.by_path.find(plan.path);
    if (found == base.by_path.end()) continue;
    if (ChecksTheSame(plan, *found->second)) plan.same_as = found->second;
  }
}

}  // namespace silta::validation::internal
