// Rules that apply to a resource as a whole: the profiles it declares or is asked to meet, the
// vital-signs profiles the specification imposes, a StructureDefinition's differential, a
// CapabilityStatement's search parameter types against their definitions, and dom-3 (every
// contained resource is referenced).
#include <algorithm>
#include <string>

#include "formats/formats.h"
#include "validation/impl.h"

namespace silta::validation::internal {

namespace {

// R4 Observation, "Vital Signs": an Observation that records one of these measurements SHALL
// conform to its vital-signs profile (https://hl7.org/fhir/R4/observation-vitalsigns.html).
// The table names the LOINC codes; the SNOMED CT concepts for the same measurements record the
// same thing, so they bring the same obligation (the reference validator agrees).
struct VitalSignCode {
  std::string_view system;
  std::string_view code;
  std::string_view profile;
};
constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kSnomed = "http://snomed.info/sct";
constexpr std::string_view kVitalSignsBase = "http://hl7.org/fhir/StructureDefinition/";
constexpr VitalSignCode kVitalSignCodes[] = {
    {kLoinc, "85353-1", "vitalspanel"},
    {kLoinc, "9279-1", "resprate"},
    {kLoinc, "8867-4", "heartrate"},
    {kLoinc, "2708-6", "oxygensat"},
    {kLoinc, "59408-5", "oxygensat"},
    {kLoinc, "8310-5", "bodytemp"},
    {kLoinc, "8302-2", "bodyheight"},
    {kLoinc, "9843-4", "headcircum"},
    {kLoinc, "29463-7", "bodyweight"},
    {kLoinc, "39156-5", "bmi"},
    {kLoinc, "85354-9", "bp"},
    {kSnomed, "86290005", "resprate"},
    {kSnomed, "364075005", "heartrate"},
    {kSnomed, "103228002", "oxygensat"},
    {kSnomed, "276885007", "bodytemp"},
    {kSnomed, "50373000", "bodyheight"},
    {kSnomed, "363812007", "headcircum"},
    {kSnomed, "27113001", "bodyweight"},
    {kSnomed, "60621009", "bmi"},
    {kSnomed, "75367002", "bp"},
};

std::string_view ValueOf(const model::Element* e) {
  return e != nullptr && e->has_value() ? e->value() : std::string_view();
}

// The canonical URL of the vital-signs profile `resource` must conform to, or empty.
std::string VitalSignProfile(const model::Element& resource) {
  if (resource.type()->name != "Observation") return {};
  const model::Element* code = resource.Child("code");
  if (code == nullptr) return {};
  for (const model::Element* coding : code->Children("coding")) {
    std::string_view system = ValueOf(coding->Child("system"));
    std::string_view value = ValueOf(coding->Child("code"));
    for (const VitalSignCode& v : kVitalSignCodes) {
      if (v.system != system || v.code != value) continue;
      return std::string(kVitalSignsBase) + std::string(v.profile);
    }
  }
  return {};
}

}  // namespace

// A profile's differential must produce a snapshot from its base (a differential that names
// paths the base does not have, widens cardinality, etc. is wrong); the snapshot is generated
// from the differential alone, ignoring any snapshot the definition carries.
void Walker::CheckProfileDifferential(const model::Element& sd) {
  IssueCollector found;
  Status status = v_.CheckDifferential(formats::WriteJson(sd, {.pretty = false}), found);
  std::vector<const model::Element*> elements;
  for (const model::Element* e : sd.Child("differential")->Children("element")) {
    elements.push_back(e);
  }
  bool reported = false;
  // The generator places elements by id; an id that names another element than the path makes
  // the snapshot mean something the differential does not say (elementdefinition.html#id).
  for (const model::Element* e : elements) {
    std::string_view id = ChildValue(*e, "id");
    std::string_view path = ChildValue(*e, "path");
    if (id.empty() || path.empty()) continue;
    std::string unsliced;
    for (size_t i = 0; i < id.size(); ++i) {
      if (id[i] == ':') {
        while (i < id.size() && id[i] != '.') ++i;
        if (i == id.size()) break;
      }
      unsliced += id[i];
    }
    bool renamed_choice = unsliced.size() > 3 && unsliced.substr(unsliced.size() - 3) == "[x]" &&
                          path.substr(0, unsliced.size() - 3) ==
                              std::string_view(unsliced).substr(0, unsliced.size() - 3);
    if (unsliced == path || renamed_choice) continue;
    Report(Severity::kError, IssueType::kStructure, "PROFILE_DIFFERENTIAL_INVALID",
           "the snapshot cannot be generated from the differential: the element with id '" +
               std::string(id) + "' has the path '" + std::string(path) +
               "', which is not the element its id names",
           sd);
    reported = true;
  }
  for (const Issue& issue : found.Take()) {
    if (issue.severity < Severity::kError) continue;
    const model::Element* at = &sd;
    for (const model::Element* e : elements) {
      if (ChildValue(*e, "id") == issue.expression) at = e;
    }
    Report(Severity::kError, issue.type, "PROFILE_DIFFERENTIAL_INVALID",
           "the snapshot cannot be generated from the differential: " + issue.message, *at);
    reported = true;
  }
  if (!status.ok() && !reported) {
    Report(Severity::kError, IssueType::kStructure, "PROFILE_DIFFERENTIAL_INVALID",
           "the snapshot cannot be generated from the differential: " + status.message(), sd);
  }
  CheckFixedValuesKept(sd, elements);
}

// R4 profiling.html: a constraint "cannot break the rules established in the base" - an element
// the base fixes to a value cannot be fixed to another one (an extension derived by constraint
// from another keeps the base's Extension.url, so it cannot name itself). Like the snapshot it
// concerns, the finding is located by the element's path in the profile.
void Walker::CheckFixedValuesKept(const model::Element& sd,
                                  std::span<const model::Element* const> elements) {
  if (ChildValue(sd, "derivation") != "constraint") return;
  std::string_view base_url = ChildValue(sd, "baseDefinition");
  if (base_url.empty()) return;
  auto base = Profile(base_url);
  if (!base.ok()) return;  // an unknown base is reported by the snapshot generator
  for (const model::Element* e : elements) {
    const model::Element* fixed = e->Child("fixed");
    std::string_view path = ChildValue(*e, "path");
    std::string_view id = ChildValue(*e, "id");
    if (fixed == nullptr || path.empty() || id.find(':') != std::string_view::npos) continue;
    auto in_base = (*base)->by_path.find(path);
    if (in_base == (*base)->by_path.end() || in_base->second->fixed == nullptr) continue;
    const rapidjson::Value& base_value = *in_base->second->fixed;
    if (MatchesValue(*fixed, base_value, true)) continue;
    std::string shown(json::PrimitiveText(base_value));
    size_t before = issues_.size();
    Report(Severity::kError, IssueType::kInvalid, "PROFILE_FIXED_VALUE_CHANGED",
           "the differential fixes " + std::string(path) + " to another value than its base " +
               std::string(base_url) + " fixes it to" +
               (shown.empty() ? "" : " ('" + shown + "')") +
               "; a constraint cannot change a fixed value",
           *fixed);
    if (issues_.size() > before) issues_.back().expression = std::string(path);
  }
}

// R4 CapabilityStatement.rest.resource.searchParam.type: "While this can be looked up from the
// definition, it is included here as a convenience ... It SHALL be the same as the type in the
// search parameter definition." Judged where the definition is at hand in the loaded packages.
void Walker::CheckSearchParamTypes(const model::Element& capability_statement) {
  for (const model::Element* rest : capability_statement.Children("rest")) {
    for (const model::Element* resource : rest->Children("resource")) {
      for (const model::Element* param : resource->Children("searchParam")) {
        std::string_view definition = ChildValue(*param, "definition");
        std::string_view type = ChildValue(*param, "type");
        if (definition.empty() || type.empty()) continue;
        packages::ResourceRef found = v_.context().FindByUrl(definition);
        if (!found || found.entry->resource_type != "SearchParameter") continue;
        auto json = v_.context().ReadResource(found);
        if (!json.ok()) continue;
        rapidjson::Document sp;
        sp.Parse(json->data(), json->size());
        if (sp.HasParseError() || !sp.IsObject() || !sp.HasMember("type") ||
            !sp["type"].IsString()) {
          continue;
        }
        std::string_view defined(sp["type"].GetString(), sp["type"].GetStringLength());
        if (defined == type) continue;
        Report(Severity::kError, IssueType::kInvalid, "CAPABILITY_SEARCHPARAM_TYPE",
               "the search parameter's type is " + std::string(type) + ", but its definition " +
                   std::string(definition) + " has type " + std::string(defined),
               *param);
      }
    }
  }
}

void Walker::ValidateResourceExtras(const model::Element& resource,
                                    std::span<const std::string> explicit_profiles) {
  auto validate_against = [&](std::string_view canonical, bool declared) {
    auto profile = Profile(canonical);
    if (!profile.ok()) {
      // An unknown meta.profile is only a claim we cannot check; an explicit request must work.
      Report(
          declared ? Severity::kWarning : Severity::kError, IssueType::kNotFound,
          declared ? "PROFILE_DECLARED_UNKNOWN" : "PROFILE_UNKNOWN",
          "profile " + std::string(canonical) + " could not be used: " + profile.status().message(),
          resource);
      return;
    }
    const CompiledProfile& p = **profile;
    if (p.model_type == nullptr || !resource.type()->IsA(p.model_type)) {
      Report(Severity::kError, IssueType::kInvalid, "PROFILE_WRONG_TYPE",
             "profile " + std::string(canonical) + " is for " + p.type + ", not for " +
                 resource.type()->name,
             resource);
      return;
    }
    if (&p.root() == v_.TypeRoot(resource.type())) return;  // the base, already done
    skip_resource_extras_ = &resource;  // this pass must not start the profile checks again
    std::string_view outer_profile = current_profile_;
    current_profile_ = p.url;
    ValidateElement(resource, p.root());
    current_profile_ = outer_profile;
  };
  if (const model::Element* meta = resource.Child("meta")) {
    for (const model::Element* profile : meta->Children("profile")) {
      if (profile->has_value()) validate_against(profile->value(), true);
    }
  }
  for (const std::string& canonical : explicit_profiles) validate_against(canonical, false);
  for (const ValidatorOptions::GlobalProfile& global : opt_.global_profiles) {
    if (!resource.type()->IsA(global.type)) continue;
    Report(Severity::kInformation, IssueType::kInformational, "PROFILE_GLOBAL",
           "validated against " + global.profile + ", a global profile of " + global.guide,
           resource);
    validate_against(global.profile, true);
  }
  if (resource.type()->name == "StructureDefinition" && resource.Child("differential") != nullptr) {
    CheckDiscriminatorPaths(resource);
  }
  if (resource.type()->name == "StructureDefinition") {
    CheckBindingsBindable(resource);
    CheckConstraintExpressions(resource);
    CheckTypeProfiles(resource);
  }
  if (resource.type()->name == "CapabilityStatement") CheckSearchParamTypes(resource);
  if (resource.type()->name == "CodeSystem") CheckCodeSystemProperties(resource);
  // The differential states the profile's constraints on its base whether or not a snapshot is
  // given beside it (R4 StructureDefinition.differential: "a statement of differences that it
  // applies"): a constraint whose differential names paths the base lacks, or widens it, is wrong
  // even when a snapshot came with it. Specializations define their elements rather than
  // constrain a base, so with a snapshot their own snapshot is the definition.
  if (resource.type()->name == "StructureDefinition" && resource.Child("differential") != nullptr &&
      (resource.Child("snapshot") == nullptr ||
       ChildValue(resource, "derivation") == "constraint")) {
    CheckProfileDifferential(resource);
  }
  if (std::string vital_sign = VitalSignProfile(resource); !vital_sign.empty()) {
    Report(Severity::kInformation, IssueType::kInformational, "PROFILE_VITAL_SIGNS",
           "validated against " + vital_sign +
               ": the FHIR specification requires it of Observations with this vital-sign code",
           resource);
    validate_against(vital_sign, true);
  }
}

namespace {

// Local references ("#id") anywhere below `e`: Reference.reference and uri/url/canonical values.
// Narratives (the resource's and those inside it, such as Composition.section.text) go to
// `narratives`.
void CollectLocalReferences(const model::Element& e, std::vector<std::string_view>& out,
                            std::vector<std::string_view>& narratives) {
  for (const model::Element* child : e.children()) {
    if (child->has_value() && child->primitive() == model::Primitive::kXhtml) {
      narratives.push_back(child->value());
    } else if (child->has_value()) {
      std::string_view value = child->value();
      if (!value.empty() && value[0] == '#') {
        const std::string& type = child->type()->name;
        bool is_reference = child->definition() != nullptr &&
                            child->definition()->name == "reference" &&
                            e.type()->name == "Reference";
        if (is_reference || type == "uri" || type == "url" || type == "canonical") {
          out.push_back(value);
        }
      }
    }
    CollectLocalReferences(*child, out, narratives);
  }
}

bool NarrativeRefersTo(std::string_view div, std::string_view id) {
  for (std::string_view attribute : {"src=", "href="}) {
    for (char quote : {'"', '\''}) {
      std::string needle = std::string(attribute) + quote + '#' + std::string(id) + quote;
      if (div.find(needle) != std::string_view::npos) return true;
    }
  }
  return false;
}

}  // namespace

// dom-3: every contained resource is referenced from elsewhere in the resource (its elements or
// its narrative), or refers to the containing resource ("#").
bool Walker::ContainedResourcesReferenced(const model::Element& resource) {
  std::span<const model::Element* const> kids = resource.children();
  if (std::none_of(kids.begin(), kids.end(), [](const model::Element* k) {
        return k->definition() != nullptr && k->definition()->name == "contained";
      })) {
    return true;
  }
  std::vector<std::string_view> references;
  std::vector<std::string_view> narratives;
  CollectLocalReferences(resource, references, narratives);
  for (const model::Element* contained : resource.Children("contained")) {
    std::string id = "#" + std::string(ChildValue(*contained, "id"));
    if (std::find(references.begin(), references.end(), id) != references.end()) continue;
    if (std::any_of(narratives.begin(), narratives.end(), [&](std::string_view div) {
          return NarrativeRefersTo(div, std::string_view(id).substr(1));
        })) {
      continue;
    }
    std::vector<std::string_view> own;
    std::vector<std::string_view> own_narratives;
    CollectLocalReferences(*contained, own, own_narratives);
    if (std::find(own.begin(), own.end(), "#") != own.end()) continue;
    return false;
  }
  return true;
}

}  // namespace silta::validation::internal
