// Internal: the validator's shared state (definitions, compiled plans, caches) and the walker
// that validates one document. Not part of the API.
#pragma once

#include <atomic>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/issues.h"
#include "base/string_map.h"
#include "fhirpath/fhirpath.h"
#include "json/json.h"
#include "model/element.h"
#include "packages/packages.h"
#include "terminology/terminology.h"
#include "validation/plan.h"
#include "validation/validation.h"

namespace silta::validation {

// The answer of a cached binding check.
struct CodeCheck {
  terminology::Validity validity = terminology::Validity::kCannotTell;
  std::string message;
  // For kInvalid: the value set declares itself meant for extensible bindings
  // (valueset-extensible), so a code outside it is a warning even where bound as required.
  bool meant_extensible = false;
};

// A coding's system and code, viewed in the instance.
struct CodeAndSystem {
  std::string_view system;
  std::string_view code;
};

class Validator::Impl {
 public:
  Impl(std::shared_ptr<const packages::ConformanceContext> context,
       std::shared_ptr<const model::TypeModel> model, ValidatorOptions options,
       SnapshotGenerator snapshot_generator);

  const ValidatorOptions& options() const { return options_; }
  const model::TypeModel& model() const { return *model_; }
  const std::shared_ptr<const model::TypeModel>& shared_model() const { return model_; }
  const packages::ConformanceContext& context() const { return *context_; }
  // Types with checks of their own, met on every element: compared by address, not by name.
  const model::TypeDef* reference_type() const { return reference_type_; }
  const model::TypeDef* attachment_type() const { return attachment_type_; }
  const model::TypeDef* bundle_type() const { return bundle_type_; }

  // The plan of a type's own definition (for backbone types: the element in the resource's
  // definition); null when the definition is missing or does not compile.
  const internal::ElementPlan* TypeRoot(const model::TypeDef* type) const;
  // A profile by canonical ("url|version" allowed), compiled on first use.
  StatusOr<const internal::CompiledProfile*> Profile(std::string_view canonical) const;

  // Generates the snapshot of a StructureDefinition (JSON) only to learn what is wrong with its
  // differential: the generator's issues go to `issues`.
  Status CheckDifferential(std::string_view sd_json, IssueSink& issues) const;

  // Code checks against a value set, cached. `system` empty for bare codes.
  // The answer lives in the cache, or in `*scratch` once the cache is full.
  const CodeCheck& CheckCode(std::string_view value_set, std::string_view system,
                             std::string_view code, CodeCheck* scratch) const;
  // The answer for the first coding in the value set, else for the first whose system could
  // not be checked, else for the last; in the cache or in `*scratch`, as for CheckCode.
  const CodeCheck& CheckCodeableConcept(std::string_view value_set,
                                        std::span<const CodeAndSystem> codings,
                                        CodeCheck* scratch) const;

  // FHIRPath memberOf() for the invariants, answered by the same code checks as the bindings.
  const fhirpath::TerminologyProvider* member_of() const { return &member_of_; }

 private:
  StatusOr<std::unique_ptr<internal::CompiledProfile>> Compile(std::string_view canonical) const;
  std::string TypeOfProfile(std::string_view canonical) const;
  bool ValueSetMeantExtensible(std::string_view value_set) const;
  // CheckCode without the per-thread memo: the cache all threads share.
  const CodeCheck& CheckCodeShared(std::string_view value_set, std::string_view system,
                                   std::string_view code, CodeCheck* scratch) const;

  std::shared_ptr<const packages::ConformanceContext> context_;
  std::shared_ptr<const model::TypeModel> model_;
  uint64_t generation_;  // this validator's mark in the per-thread code memo
  const model::TypeDef* reference_type_;
  const model::TypeDef* attachment_type_;
  const model::TypeDef* bundle_type_;
  ValidatorOptions options_;
  SnapshotGenerator snapshot_generator_;
  terminology::TerminologyService terminology_;

  // One per canonical asked for. Different profiles compile at the same time on different
  // threads (the first use of each type in a batch is most of a short run's time); threads that
  // want the same one wait for the first to finish it.
  struct ProfileEntry {
    std::mutex compile_mu;
    std::atomic<bool> done{false};
    std::unique_ptr<internal::CompiledProfile> profile;  // set before `done`, then never again
    Status status;
  };
  mutable std::shared_mutex profiles_mu_;  // guards the map; entries never move or go
  mutable StringMap<std::unique_ptr<ProfileEntry>> profiles_;
  mutable internal::ConstraintCache constraints_;

  // TypeRoot results per TypeDef::index; filled once, read without locks.
  mutable std::unique_ptr<std::atomic<const internal::ElementPlan*>[]> type_roots_;
  mutable std::unique_ptr<std::atomic<bool>[]> type_root_done_;

  // memberOf(): true when the code, Coding or CodeableConcept is in the value set, false when
  // it certainly is not; anything the packages cannot tell is an execution error, so that the
  // invariant is left unjudged rather than guessed.
  class MemberOfProvider final : public fhirpath::TerminologyProvider {
   public:
    explicit MemberOfProvider(const Impl* impl) : impl_(impl) {}
    StatusOr<bool> MemberOf(const fhirpath::Value& coded,
                            std::string_view value_set_url) const override;

   private:
    const Impl* impl_;
  };
  MemberOfProvider member_of_{this};

  mutable std::shared_mutex codes_mu_;
  mutable StringMap<CodeCheck> codes_;
  mutable StringMap<bool> extensible_value_sets_;  // guarded by codes_mu_
};

namespace internal {

// Maps full URLs and "Type/id" of a Bundle's entries to their resources.
struct BundleIndex {
  const model::Element* bundle = nullptr;
  std::string_view type;  // document, message, transaction...
  // Keys view the entries' fullUrl values: the document outlives the walk.
  std::unordered_map<std::string_view, const model::Element*> by_full_url;
  // "Type/id" of entries with RESTful fullUrls, for references from entries whose own fullUrl
  // gives no base (urn:uuid); null when two entries share the key.
  std::unordered_map<std::string_view, const model::Element*> by_type_and_id;
};

// A set of (pointer, pointer, number) keys with open addressing: the walker's record of work
// already done, asked about for almost every element, so it must be cheap. Its table comes from
// a per-thread pool and is emptied by bumping an epoch, so a validation neither allocates nor
// clears a table sized for a whole Bundle.
class DoneSet {
 public:
  DoneSet();
  ~DoneSet();
  DoneSet(const DoneSet&) = delete;
  DoneSet& operator=(const DoneSet&) = delete;

  // True when the key was new (and is now in the set).
  bool Insert(const void* a, const void* b, uint32_t n);

  struct Key {
    const void* a = nullptr;
    const void* b = nullptr;
    uint32_t n = 0;
    uint32_t epoch = 0;  // a slot holds a key only while this is its table's current epoch
  };
  struct Table {
    std::vector<Key> slots;
    uint32_t epoch = 0;
  };

 private:
  void Grow();
  std::unique_ptr<Table> table_;
  size_t size_ = 0;
};

// What a discriminator path finds in one element.
struct DiscriminatorValue {
  std::vector<const model::Element*> elements;
  bool failed = false;   // the path could not be evaluated: the element matches no slice
  bool ignored = false;  // the path did not compile: the discriminator is not used
};

// Validates one document; lives for one Validate call.
class Walker {
 public:
  // `document` (optional) holds the narratives its parser kept parsed (model::Document::Xhtml).
  Walker(const Validator::Impl& validator, std::vector<Issue>& issues,
         const model::Document* document = nullptr)
      : v_(validator), opt_(validator.options()), issues_(issues), document_(document) {}

  void ValidateRoot(const model::Element& resource, std::span<const std::string> profiles);
  // Profile-discriminator checks run a nested walk whose issues are only counted.
  bool ConformsTo(const model::Element& element, const ElementPlan& plan);

 private:
  void ValidateElement(const model::Element& e, const ElementPlan& plan);
  void ValidateChildren(const model::Element& e, const ElementPlan& table);
  void ValidateGroup(const model::Element& parent, const ElementPlan& slot,
                     std::span<const model::Element* const> group);
  void ValidateSliced(const model::Element& parent, const ElementPlan& slot,
                      std::span<const model::Element* const> group);
  void ValidateBundleContent(const model::Element& bundle, const ElementPlan* table);
  void ValidateResourceExtras(const model::Element& resource,
                              std::span<const std::string> explicit_profiles);
  void CheckExtensionDefinition(const model::Element& extension, const model::Element& parent,
                                bool is_modifier);
  void CheckSubExtensionUrl(const model::Element& extension, const model::Element& parent,
                            std::string_view url);
  // The type rule the element meets; null when none applies, with `*wrong_type` set when the
  // element's type is not allowed at all.
  const TypeRule* CheckType(const model::Element& e, const ElementPlan& plan, bool* wrong_type);
  void CheckPrimitiveValue(const model::Element& e, const ElementPlan& plan);
  void CheckFixedPattern(const model::Element& e, const ElementPlan& plan);
  void CheckBinding(const model::Element& e, const ElementPlan& plan);
  void CheckBindingTo(const model::Element& e, const std::string& value_set,
                      BindingStrength strength, bool additional);
  bool FirstBindingFinding(const model::Element& e, const CodeCheck* answer,
                           const CodeCheck* scratch, BindingStrength strength, bool additional);
  void RunConstraints(const model::Element& e, std::span<const Constraint* const> constraints,
                      std::span<const Constraint* const> already_run);
  void CheckReference(const model::Element& reference, const TypeRule* rule);
  void CheckTargetProfiles(const model::Element& reference, const model::Element& target,
                           const TypeRule& rule);
  // Datatype rules (datatypes.cc).
  void CheckAttachment(const model::Element& attachment);
  void CheckQuantityLimits(const model::Element& quantity, const ElementPlan& plan);
  void CheckNarrativeLanguages(const model::Element& narrative, const ElementPlan& plan);
  // narrative.cc: the XHTML rules on a Narrative.div (or any xhtml value).
  void CheckNarrative(const model::Element& div);
  // The div's parsed tree: the parser's, or parsed here once for a document built without it;
  // null when the markup is not well-formed (the parser reported that).
  const model::XhtmlNode* NarrativeTree(const model::Element& div);
  void CheckProfileDifferential(const model::Element& structure_definition);
  // definitions.cc
  void CheckDiscriminatorPaths(const model::Element& structure_definition);
  void CheckBindingsBindable(const model::Element& structure_definition);
  void CheckSearchParamTypes(const model::Element& capability_statement);
  void CheckCodeSystemProperties(const model::Element& code_system);
  void CheckConstraintExpressions(const model::Element& structure_definition);
  void CheckTypeProfiles(const model::Element& structure_definition);
  void CheckTargetsInBase(const model::Element& type, std::string_view code,
                          const ElementPlan& base_element);
  void CheckFixedValuesKept(const model::Element& structure_definition,
                            std::span<const model::Element* const> differential);
  bool ContainedResourcesReferenced(const model::Element& resource);
  void ValidateTypeProfiles(const model::Element& e, const TypeRule& rule);
  void ValidateResourceTypeProfiles(const model::Element& resource, const TypeRule& rule);
  DiscriminatorValue EvaluateDiscriminator(const model::Element& e, const Discriminator& d);
  bool SliceMatches(const Slicing& slicing, const ElementPlan& slice,
                    std::span<const DiscriminatorValue> shown,
                    std::span<const Expected> expected_values, size_t position, size_t slice_index);

  // Bundles (bundle.cc).
  void IndexBundle(const model::Element& bundle, BundleIndex& index);
  void CheckBundle(const model::Element& bundle, const BundleIndex& index);
  void CheckMessageFocus(const model::Element& header);
  void CheckDocumentReachability(const model::Element& bundle, const BundleIndex& index);
  // The Bundle entry an element is in, or null.
  static const model::Element* EntryOf(const model::Element& e);
  const model::Element* ResolveInBundle(const model::Element& from, std::string_view reference,
                                        bool* in_bundle) const;

  void Report(Severity severity, IssueType type, const char* message_id, std::string message,
              const model::Element& at);
  // The validator's Profile(), remembered for the walk: a Bundle asks for the same few
  // profiles and extension definitions again and again.
  StatusOr<const CompiledProfile*> Profile(std::string_view canonical);

  const Validator::Impl& v_;
  const ValidatorOptions& opt_;
  std::vector<Issue>& issues_;
  const model::Document* document_ = nullptr;
  // Narratives of documents built without the parsers, parsed once per walk.
  std::unique_ptr<std::pmr::monotonic_buffer_resource> xhtml_arena_;
  std::unordered_map<const model::Element*, const model::XhtmlNode*> parsed_xhtml_;
  std::vector<const BundleIndex*> bundles_;
  const model::Element* skip_resource_extras_ = nullptr;
  std::string_view current_profile_;  // the profile being applied; empty for the base
  // The base pass and each profile pass of a resource meet the same elements with the same
  // shared plans (datatype definitions, extension definitions, the invariants profiles inherit):
  // what a pass would find there again is exactly what the first found, so it is done once.
  DoneSet done_;
  std::vector<std::pair<std::string, const CompiledProfile*>> known_profiles_;
  uint32_t depth_ = 0;
  bool depth_reported_ = false;
  // A walk inside ConformsTo: it does not start walks of its own for reference targets, which
  // could lead round a cycle of references.
  bool nested_ = false;
  struct TargetConformance {
    const model::Element* target;
    const CompiledProfile* profile;
    bool conforms;
  };
  std::vector<TargetConformance> target_conformance_;
};

// Fixed values must match exactly, patterns partially (match.cc).
bool MatchesValue(const model::Element& e, const rapidjson::Value& expected, bool exact);
// An Extension.url "url|version" where `fixed` is "url" (values.cc).
bool IsVersionedExtensionUrl(const model::Element& e, const rapidjson::Value& fixed);
// A FHIRPath location like the reference validator's: "Observation.value.ofType(Quantity)",
// "Bundle.entry[1].resource.section[0]".
std::string LocationOf(const model::Element& e);
// The containing resource of an element (the element itself when it is a resource).
const model::Element* ContainingResource(const model::Element& e);
// The resource that holds `e`'s contained resources (FHIRPath's %rootResource): a contained
// resource's container, else the containing resource.
const model::Element* Container(const model::Element& e);
std::string_view ChildValue(const model::Element& e, std::string_view name);
// Appends the (system, code) of `coding` when it has a code: what a binding or memberOf()
// judges of a Coding, and of each coding of a CodeableConcept.
void AppendCoding(const model::Element& coding, std::vector<CodeAndSystem>* codings);
// "1", "*": a cardinality bound as ElementDefinition writes it.
inline std::string CountText(uint32_t n) {
  return n == model::kUnbounded ? std::string("*") : std::to_string(n);
}

}  // namespace internal
}  // namespace silta::validation
