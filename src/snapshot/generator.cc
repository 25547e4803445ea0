#include "snapshot/generator.h"

#include <cctype>
#include <unordered_map>
#include <utility>
#include <vector>

#include "snapshot/element_tree.h"
#include "snapshot/merge.h"

namespace silta::snapshot::internal {
namespace {

constexpr std::string_view kCoreStructurePrefix = "http://hl7.org/fhir/StructureDefinition/";

std::string TypeDefinitionUrl(std::string_view code) {
  if (code.find(':') != std::string_view::npos) return std::string(code);
  return std::string(kCoreStructurePrefix) + std::string(code);
}

bool IsChoiceName(std::string_view name) {
  return name.size() > 3 && name.substr(name.size() - 3) == "[x]";
}

// "valueQuantity" names the Quantity type of "value[x]": the type code with its first letter
// upper-cased.
bool ChoiceSuffixMatches(std::string_view suffix, std::string_view code) {
  if (suffix.empty() || code.empty() || suffix.size() != code.size()) return false;
  if (suffix[0] != static_cast<char>(std::toupper(static_cast<unsigned char>(code[0])))) {
    return false;
  }
  return suffix.substr(1) == code.substr(1);
}

// Builds the snapshot of one profile from its base tree and its differential.
class ProfileBuild {
 public:
  ProfileBuild(Generator& generator, rapidjson::Document& sd, std::unique_ptr<Node> root)
      : generator_(generator), sd_(sd), alloc_(sd.GetAllocator()), root_(std::move(root)) {
    url_ = std::string(json::StringMember(sd, "url"));
    specialization_ = json::StringMember(sd, "derivation") == "specialization";
  }

  Status ApplyDifferential(const Json& elements) {
    // Elements without ids (old differentials) name slices only through sliceName: remember
    // the slice last opened at each path so their children can be placed.
    std::unordered_map<std::string, std::string> open_slices;
    for (const Json& diff : elements.GetArray()) {
      std::string id(json::StringMember(diff, "id"));
      if (id.empty()) id = IdFromPath(diff, open_slices);
      ApplyOne(diff, id);
    }
    return Status::Ok();
  }

  void Finish() {
    Json elements(rapidjson::kArrayType);
    Serialize(*root_, elements, alloc_);
    size_t furthest = 0;
    for (const auto& [node, id] : targets_) {
      if (node->output_index < furthest) {
        Report(id, Severity::kWarning, IssueType::kStructure, kOutOfOrder,
               "Differential element is out of order relative to the elements before it");
      }
      furthest = std::max(furthest, node->output_index);
    }
    Json snapshot(rapidjson::kObjectType);
    snapshot.AddMember("element", elements, alloc_);
    json::SetMember(sd_, "snapshot", std::move(snapshot), alloc_);
  }

 private:
  std::string IdFromPath(const Json& diff,
                         std::unordered_map<std::string, std::string>& open_slices) {
    std::string path(json::StringMember(diff, "path"));
    std::string slice(json::StringMember(diff, "sliceName"));
    if (slice.empty()) {
      open_slices.erase(path);
    } else {
      open_slices[path] = slice;
    }
    std::string id;
    std::string prefix;
    for (std::string_view segment : SplitPath(path)) {
      if (!prefix.empty()) prefix += '.';
      prefix += segment;
      if (!id.empty()) id += '.';
      id += segment;
      auto it = open_slices.find(prefix);
      if (it != open_slices.end()) id += ":" + it->second;
    }
    return id;
  }

  void Report(std::string_view id, Severity severity, IssueType type, std::string_view message_id,
              std::string message) {
    MergeContext ctx{url_, id, generator_.issues(), false};
    ReportIssue(ctx, severity, type, message_id, std::move(message));
  }

  void ApplyOne(const Json& diff, const std::string& id) {
    std::vector<std::string_view> segments = SplitPath(id);
    bool new_slice = false;
    bool new_element = false;
    Node* sliced = nullptr;
    Node* node = Locate(segments, id, new_slice, new_element, sliced);
    if (node == nullptr) return;
    MergeContext ctx{url_, id, generator_.issues(), new_slice || new_element};
    MergeDifferential(node->element, diff, alloc_, ctx);
    if (json::Member(diff, "type") != nullptr) {
      DropUnbindableBinding(*node);
      if (!specialization_) AddTypeProfileConstraints(*node);
    }
    if (sliced != nullptr) SyncImpliedChoice(*sliced);
    if (new_element) {
      Json base(rapidjson::kObjectType);
      base.AddMember("path", json::MakeString(json::StringMember(diff, "path"), alloc_), alloc_);
      if (const Json* min = json::Member(node->element, "min")) {
        base.AddMember("min", Json(*min, alloc_), alloc_);
      }
      if (const Json* max = json::Member(node->element, "max")) {
        base.AddMember("max", Json(*max, alloc_), alloc_);
      }
      json::SetMember(node->element, "base", std::move(base), alloc_);
      AddElementInvariants(*node);
      // A new backbone element starts with the members every element of its type has (id,
      // extension, modifierExtension); the differential adds its own after them.
      if (HasTypeCode(node->element, "BackboneElement") || HasTypeCode(node->element, "Element")) {
        Expand(*node, id);
      }
    }
    targets_.emplace_back(node, id);
  }

  // Every element of a new type carries the invariants of Element itself (ele-1).
  // Extension-typed ones carry the Extension invariants (ext-1) as well. Values of primitive
  // types (System types) and resource-typed elements carry none.
  void AddElementInvariants(Node& node) {
    const Json* types = json::Member(node.element, "type");
    if (types != nullptr && types->IsArray()) {
      for (const Json& type : types->GetArray()) {
        std::string_view code = json::StringMember(type, "code");
        if (code.substr(0, 24) == "http://hl7.org/fhirpath/" || code == "Resource") return;
      }
    }
    AddRootInvariants(node, "Element");
    if (HasTypeCode(node.element, "Extension")) AddRootInvariants(node, "Extension");
  }

  void AddRootInvariants(Node& node, std::string_view type) {
    // Inherited invariants come first, as in the published snapshots.
    AddMissingConstraints(node,
                          RootConstraints(std::string(kCoreStructurePrefix) + std::string(type)),
                          /*first=*/true);
  }

  // The invariants on the root element of the definition `url`, or nullptr.
  const Json* RootConstraints(std::string_view url) {
    StatusOr<const rapidjson::Document*> definition = generator_.Definition(url);
    if (!definition.ok()) return nullptr;
    const Json* snapshot = json::Member(**definition, "snapshot");
    const Json* elements = snapshot != nullptr ? json::Member(*snapshot, "element") : nullptr;
    if (elements == nullptr || !elements->IsArray() || elements->Empty()) return nullptr;
    const Json* constraints = json::Member((*elements)[0], "constraint");
    return constraints != nullptr && constraints->IsArray() ? constraints : nullptr;
  }

  // Adds the constraints of `constraints` whose key `node` lacks, before or after its own.
  void AddMissingConstraints(Node& node, const Json* constraints, bool first) {
    if (constraints == nullptr) return;
    Json* existing = json::MutableMember(node.element, "constraint");
    if (existing == nullptr || !existing->IsArray()) {
      json::SetMember(node.element, "constraint", Json(rapidjson::kArrayType), alloc_);
      existing = json::MutableMember(node.element, "constraint");
    }
    Json missing(rapidjson::kArrayType);
    for (const Json& constraint : constraints->GetArray()) {
      std::string_view key = json::StringMember(constraint, "key");
      bool present = false;
      for (const Json& have : existing->GetArray()) {
        present = present || json::StringMember(have, "key") == key;
      }
      if (!present) missing.PushBack(Json(constraint, alloc_), alloc_);
    }
    if (!first) {
      for (Json& add : missing.GetArray()) existing->PushBack(add, alloc_);
      return;
    }
    for (Json& have : existing->GetArray()) missing.PushBack(have, alloc_);
    *existing = std::move(missing);
  }

  // A binding only means something on coded types; narrowing a choice to Reference drops it.
  void DropUnbindableBinding(Node& node) {
    if (json::Member(node.element, "binding") == nullptr) return;
    const Json* types = json::Member(node.element, "type");
    if (types == nullptr || !types->IsArray() || types->Empty()) return;
    for (const Json& type : types->GetArray()) {
      std::string_view code = json::StringMember(type, "code");
      for (std::string_view bindable : {"code", "Coding", "CodeableConcept", "Quantity", "string",
                                        "uri", "canonical", "CodeableReference"}) {
        if (code == bindable) return;
      }
    }
    json::EraseMember(node.element, "binding");
  }

  // An element constrained to one profiled type carries that profile's own invariants
  // (SimpleQuantity's sqty-1), as the published snapshots do.
  void AddTypeProfileConstraints(Node& node) {
    const Json* types = json::Member(node.element, "type");
    if (types == nullptr || !types->IsArray() || types->Size() != 1) return;
    const Json* profiles = json::Member((*types)[0], "profile");
    if (profiles == nullptr || !profiles->IsArray() || profiles->Size() != 1) return;
    AddMissingConstraints(node, RootConstraints(json::AsString((*profiles)[0])), /*first=*/false);
  }

  // `sliced` is set to the sliced element when the located element is a slice.
  Node* Locate(const std::vector<std::string_view>& segments, const std::string& id,
               bool& new_slice, bool& new_element, Node*& sliced) {
    if (segments.empty()) return nullptr;
    std::string_view root_name = segments[0].substr(0, segments[0].find(':'));
    if (root_name != root_->name) {
      Report(id, Severity::kError, IssueType::kStructure, kUnknownPath,
             "Element is not inside the root '" + root_->name + "'");
      return nullptr;
    }
    Node* node = root_.get();
    bool inside_new_slice = false;
    for (size_t i = 1; i < segments.size(); ++i) {
      inside_new_slice = inside_new_slice || node->added_by_differential;
      std::string_view segment = segments[i];
      sliced = nullptr;
      size_t colon = segment.find(':');
      std::string_view name = segment.substr(0, colon);
      std::string slice(colon == std::string_view::npos ? std::string_view()
                                                        : segment.substr(colon + 1));
      Node* child = FindChild(*node, name);
      // Elements a logical model adds have only the children its differential gives them.
      if (child == nullptr && node->children.empty() && node->original != nullptr) {
        if (!Expand(*node, id)) return nullptr;
        child = FindChild(*node, name);
      }
      if (child == nullptr) {
        // A renamed choice ("valueQuantity") is the slice of "value[x]" for that type.
        child = FindChoiceFor(*node, name);
        // A logical model's own new elements are never renamings of its own choices.
        if (child != nullptr && specialization_ && child->original == nullptr) child = nullptr;
        if (child != nullptr && slice.empty()) {
          if (inside_new_slice) {
            // Within a slice this profile defines, the R4 tools narrow the choice in place.
            RestrictChoiceType(*child, child->name, name);
          } else {
            slice = std::string(name);
          }
        }
      }
      if (child == nullptr) {
        if (specialization_ && i + 1 == segments.size() && slice.empty()) {
          auto added = std::make_unique<Node>();
          added->name = std::string(name);
          added->element.SetObject();
          added->added_by_differential = true;
          child = added.get();
          node->children.push_back(std::move(added));
          new_element = true;
          return child;
        }
        Report(id, Severity::kError, IssueType::kStructure, kUnknownPath,
               "No element '" + std::string(name) + "' in the base definition");
        return nullptr;
      }
      if (!slice.empty()) {
        Node* found = FindSlice(*child, slice);
        if (found == nullptr) {
          found = CreateSlice(*child, slice, id);
          if (found == nullptr) return nullptr;
          new_slice = i + 1 == segments.size();
        }
        sliced = child;
        child = found;
      }
      node = child;
    }
    return node;
  }

  Node* FindChoiceFor(Node& parent, std::string_view name) {
    for (auto& child : parent.children) {
      if (!IsChoiceName(child->name)) continue;
      std::string_view prefix = std::string_view(child->name).substr(0, child->name.size() - 3);
      if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
          std::isupper(static_cast<unsigned char>(name[prefix.size()]))) {
        return child.get();
      }
    }
    return nullptr;
  }

  Node* CreateSlice(Node& sliced, const std::string& slice_name, const std::string& id) {
    size_t slash = slice_name.rfind('/');
    std::unique_ptr<Node> slice;
    Node* holder = &sliced;
    bool implied_choice = false;
    if (slash != std::string::npos) {
      holder = FindSlice(sliced, std::string_view(slice_name).substr(0, slash));
      if (holder == nullptr) {
        Report(id, Severity::kError, IssueType::kStructure, kUnknownPath,
               "Re-slice '" + slice_name + "' of a slice that is not defined");
        return nullptr;
      }
      // A re-slice starts from the slice it refines, as constrained so far.
      slice = CloneWorking(*holder, alloc_);
      slice->slices.clear();
      json::EraseMember(slice->element, "slicing");
    } else {
      if (json::Member(sliced.element, "slicing") == nullptr && IsChoiceName(sliced.name)) {
        implied_choice = true;
      } else if (json::Member(sliced.element, "slicing") == nullptr) {
        if (sliced.name == "extension" || sliced.name == "modifierExtension") {
          AddDefaultSlicing(sliced);
        } else {
          Report(id, Severity::kError, IssueType::kStructure, kSliceWithoutSlicing,
                 "Slice '" + slice_name + "' of an element that has no slicing");
        }
      }
      // A new slice starts from the sliced element as this profile has constrained it so far:
      // constraints on the sliced element apply to every slice.
      slice = CloneWorking(sliced, alloc_);
      slice->slices.clear();
      json::EraseMember(slice->element, "slicing");
      // An implied type slicing narrows the choice to the types of its slices so far; a further
      // type slice ("valueBoolean", then "valueCodeableConcept") starts from the types the choice
      // allowed before that narrowing, not from the earlier slices' types.
      if (implied_choice) {
        if (const Json* types = json::Member(sliced.element, "type")) {
          pre_implied_types_.try_emplace(&sliced, Json(*types, alloc_));
        }
      } else if (auto before = pre_implied_types_.find(&sliced);
                 before != pre_implied_types_.end() && implied_type_slicing_.count(&sliced)) {
        json::SetMember(slice->element, "type", Json(before->second, alloc_), alloc_);
      }
    }
    slice->slice_name = slice_name;
    slice->added_by_differential = true;
    json::SetMember(slice->element, "sliceName", json::MakeString(slice_name, alloc_), alloc_);
    if (IsChoiceName(sliced.name) && slash == std::string::npos) {
      RestrictChoiceType(*slice, sliced.name, slice_name);
      DropUnbindableBinding(*slice);
    }
    Node* added = slice.get();
    holder->slices.push_back(std::move(slice));
    if (implied_choice) {
      AddTypeSlicing(sliced, "closed");
      implied_type_slicing_.insert(&sliced);
    }
    SyncImpliedChoice(sliced);
    return added;
  }

  // A choice sliced by type without a slicing of its own (a renamed "valueQuantity", or a
  // slice "value[x]:valueString" with no slicing entry) gets closed type slicing, and the choice
  // itself allows just the types of its slices. (Its min is left alone: the 2019 tools that
  // made the R4 snapshots kept it, later ones raise it to the slice's; the slice enforces it.)
  void SyncImpliedChoice(Node& choice) {
    if (!implied_type_slicing_.count(&choice)) return;
    Json types(rapidjson::kArrayType);
    std::unordered_set<std::string_view> codes;
    for (const auto& slice : choice.slices) {
      if (const Json* slice_types = json::Member(slice->element, "type");
          slice_types != nullptr && slice_types->IsArray()) {
        for (const Json& type : slice_types->GetArray()) {
          if (codes.insert(json::StringMember(type, "code")).second) {
            types.PushBack(Json(type, alloc_), alloc_);
          }
        }
      }
    }
    json::SetMember(choice.element, "type", std::move(types), alloc_);
  }

  void AddDefaultSlicing(Node& sliced) {
    // Extensions are always sliced by url, whether or not the base says so.
    Json discriminator(rapidjson::kObjectType);
    discriminator.AddMember("type", "value", alloc_);
    discriminator.AddMember("path", "url", alloc_);
    Json discriminators(rapidjson::kArrayType);
    discriminators.PushBack(discriminator, alloc_);
    Json slicing(rapidjson::kObjectType);
    slicing.AddMember("discriminator", discriminators, alloc_);
    slicing.AddMember("description", "Extensions are always sliced by (at least) url", alloc_);
    slicing.AddMember("ordered", false, alloc_);
    slicing.AddMember("rules", "open", alloc_);
    json::SetMember(sliced.element, "slicing", std::move(slicing), alloc_);
  }

  void AddTypeSlicing(Node& sliced, std::string_view rules) {
    Json discriminator(rapidjson::kObjectType);
    discriminator.AddMember("type", "type", alloc_);
    discriminator.AddMember("path", "$this", alloc_);
    Json discriminators(rapidjson::kArrayType);
    discriminators.PushBack(discriminator, alloc_);
    Json slicing(rapidjson::kObjectType);
    slicing.AddMember("discriminator", discriminators, alloc_);
    slicing.AddMember("ordered", false, alloc_);
    slicing.AddMember("rules", json::MakeString(rules, alloc_), alloc_);
    json::SetMember(sliced.element, "slicing", std::move(slicing), alloc_);
  }

  // A choice slice named for one type ("valueQuantity") allows only that type.
  void RestrictChoiceType(Node& slice, std::string_view choice_name, std::string_view slice_name) {
    std::string_view prefix = choice_name.substr(0, choice_name.size() - 3);
    if (slice_name.substr(0, prefix.size()) != prefix) return;
    std::string_view suffix = slice_name.substr(prefix.size());
    Json* types = json::MutableMember(slice.element, "type");
    if (types == nullptr || !types->IsArray()) return;
    Json kept(rapidjson::kArrayType);
    for (Json& type : types->GetArray()) {
      if (ChoiceSuffixMatches(suffix, json::StringMember(type, "code"))) {
        kept.PushBack(Json(type, alloc_), alloc_);
      }
    }
    if (!kept.Empty()) *types = std::move(kept);
  }

  // Gives `node` its children from its type (or the element a contentReference names), so the
  // differential can constrain inside a datatype.
  bool Expand(Node& node, const std::string& id) {
    std::string_view reference = json::StringMember(node.element, "contentReference");
    if (!reference.empty()) {
      Node* target = FindByReference(reference);
      if (target == nullptr) {
        Report(id, Severity::kError, IssueType::kNotFound, kNotExpandable,
               "contentReference '" + std::string(reference) + "' does not resolve");
        return false;
      }
      for (const auto& child : target->children) {
        if (!child->added_by_differential) node.children.push_back(CloneInherited(*child, alloc_));
      }
      node.children_from_type = true;
      return true;
    }
    const Json* types = json::Member(node.element, "type");
    std::string code;
    const Json* single_type = nullptr;
    if (types != nullptr && types->IsArray()) {
      for (const Json& type : types->GetArray()) {
        std::string_view type_code = json::StringMember(type, "code");
        if (!code.empty() && code != type_code) {
          Report(
              id, Severity::kError, IssueType::kStructure, kNotExpandable,
              "Element '" + node.name +
                  "' has several types; constrain one through a type slice (e.g. valueQuantity)");
          return false;
        }
        code = std::string(type_code);
        single_type = &type;
      }
    }
    if (code.empty()) {
      Report(id, Severity::kError, IssueType::kStructure, kNotExpandable,
             "Element '" + node.name + "' has no type to take children from");
      return false;
    }
    std::string url = TypeDefinitionUrl(code);
    if (types->Size() == 1) {
      const Json* profiles = json::Member(*single_type, "profile");
      if (profiles != nullptr && profiles->IsArray() && profiles->Size() == 1) {
        url = std::string(json::AsString((*profiles)[0]));
      }
    }
    StatusOr<const rapidjson::Document*> definition = generator_.Definition(url);
    if (!definition.ok()) {
      Report(id, Severity::kError, IssueType::kNotFound, kNotExpandable,
             "Cannot expand type '" + code + "': " + definition.status().message());
      return false;
    }
    const Json* snapshot = json::Member(**definition, "snapshot");
    const Json* elements = snapshot != nullptr ? json::Member(*snapshot, "element") : nullptr;
    if (elements == nullptr) return false;
    StatusOr<std::unique_ptr<Node>> type_root = BuildTree(*elements, alloc_);
    if (!type_root.ok()) {
      Report(id, Severity::kError, IssueType::kStructure, kNotExpandable,
             "Type definition '" + url + "' is unusable: " + type_root.status().message());
      return false;
    }
    node.children = std::move((*type_root)->children);
    node.children_from_type = true;
    return true;
  }

  Node* FindByReference(std::string_view reference) {
    size_t hash = reference.find('#');
    if (hash == std::string_view::npos) return nullptr;
    std::vector<std::string_view> names = SplitPath(reference.substr(hash + 1));
    if (names.empty() || names[0] != root_->name) return nullptr;
    Node* node = root_.get();
    for (size_t i = 1; i < names.size() && node != nullptr; ++i) node = FindChild(*node, names[i]);
    return node;
  }

  Generator& generator_;
  rapidjson::Document& sd_;
  Allocator& alloc_;
  std::unique_ptr<Node> root_;
  std::string url_;
  bool specialization_ = false;
  std::vector<std::pair<Node*, std::string>> targets_;
  std::unordered_set<const Node*> implied_type_slicing_;
  // The types of a choice before its implied type slicing narrowed them (see CreateSlice).
  std::unordered_map<const Node*, Json> pre_implied_types_;
};

const Json* SnapshotElements(const Json& sd) {
  const Json* snapshot = json::Member(sd, "snapshot");
  const Json* elements = snapshot != nullptr ? json::Member(*snapshot, "element") : nullptr;
  return elements != nullptr && elements->IsArray() && !elements->Empty() ? elements : nullptr;
}

}  // namespace

Status Generator::Generate(rapidjson::Document& sd) {
  if (!sd.IsObject() || json::StringMember(sd, "resourceType") != "StructureDefinition") {
    return InvalidArgumentError("not a StructureDefinition");
  }
  std::string url(json::StringMember(sd, "url"));
  const Json* differential = json::Member(sd, "differential");
  const Json* diff_elements =
      differential != nullptr ? json::Member(*differential, "element") : nullptr;
  if (diff_elements == nullptr || !diff_elements->IsArray()) {
    return InvalidArgumentError("StructureDefinition '" + url + "' has no differential");
  }
  if (!in_progress_.insert(url).second) {
    return FailedPreconditionError("StructureDefinition '" + url + "' derives from itself");
  }
  struct Done {
    std::unordered_set<std::string>& set;
    const std::string& key;
    ~Done() { set.erase(key); }
  } done{in_progress_, url};

  std::string_view base_url = json::StringMember(sd, "baseDefinition");
  std::unique_ptr<Node> root;
  const Json* base_elements = nullptr;
  if (base_url.empty()) {
    // The roots of the type hierarchy (Base, Element) define everything in their differential.
    base_elements = diff_elements;
  } else {
    SILTA_ASSIGN_OR_RETURN(const rapidjson::Document* base, Definition(base_url));
    base_elements = SnapshotElements(*base);
    if (base_elements == nullptr) {
      return FailedPreconditionError("base '" + std::string(base_url) + "' has no snapshot");
    }
  }
  StatusOr<std::unique_ptr<Node>> tree = BuildTree(*base_elements, sd.GetAllocator());
  if (!tree.ok()) return tree.status().Annotate("base of '" + url + "'");
  root = std::move(tree).value();
  if (json::StringMember(sd, "derivation") == "specialization" && !diff_elements->Empty()) {
    std::string_view path = json::StringMember((*diff_elements)[0], "path");
    root->name = std::string(path.substr(0, path.find('.')));
  }
  ProfileBuild build(*this, sd, std::move(root));
  if (!base_url.empty()) SILTA_RETURN_IF_ERROR(build.ApplyDifferential(*diff_elements));
  build.Finish();
  return Status::Ok();
}

StatusOr<const rapidjson::Document*> Generator::Definition(std::string_view canonical) {
  std::string key(canonical);
  if (auto it = definitions_.find(key); it != definitions_.end()) return it->second.get();
  std::optional<std::string> text = lookup_(canonical);
  if (!text) return NotFoundError("StructureDefinition '" + key + "' not found");
  auto doc = std::make_unique<rapidjson::Document>();
  doc->Parse<kDefinitionParseFlags>(text->data(), text->size());
  if (doc->HasParseError() || !doc->IsObject() ||
      json::StringMember(*doc, "resourceType") != "StructureDefinition") {
    return DataLossError("'" + key + "' is not StructureDefinition JSON");
  }
  if (SnapshotElements(*doc) == nullptr) {
    SILTA_RETURN_IF_ERROR(Generate(*doc).Annotate("generating the snapshot of '" + key + "'"));
  }
  const rapidjson::Document* result = doc.get();
  definitions_.emplace(std::move(key), std::move(doc));
  return result;
}

}  // namespace silta::snapshot::internal
