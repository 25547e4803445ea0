// Value transforms: named, two-way conversions that mapping rules refer to ("transform":
// "money"). The built-in ones cover the contract's shared shapes; no module has needed one of
// its own.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "json/json.h"

namespace silta::mapping {

struct PartRef {
  std::string module;
  std::string part_id;  // empty for the record root
};

// What a transform may know about the mapping run it takes part in.
struct TransformEnv {
  // To FHIR: the reference (fullUrl) of the resource `module` makes of part `part_id`.
  std::function<std::string(std::string_view module, std::string_view part_id)> reference_to;
  // From FHIR: the part a reference points to, when it resolves inside the Bundle.
  std::function<std::optional<PartRef>(std::string_view reference)> resolve;
  std::string canonical_base;  // Silta's canonical URL base, for extension URLs
  // To FHIR: adds `resource` to the contained resources of the resource being made (once per
  // distinct content) and gives the local reference to it ("#org1").
  std::function<std::string(json::Value resource)> contain;
  // From FHIR: the contained resource of the resource being read that a local reference
  // ("#org1") points to; null when there is none.
  std::function<const json::Value*(std::string_view reference)> find_contained;
};

class Transform {
 public:
  virtual ~Transform() = default;
  virtual std::string_view name() const = 0;
  // `argument` is what follows the name after a colon: "reference:professionals".
  virtual StatusOr<json::Value> ToFhir(const json::Value& record_value, std::string_view argument,
                                       const TransformEnv& env) const = 0;
  virtual StatusOr<json::Value> FromFhir(const json::Value& fhir_value, std::string_view argument,
                                         const TransformEnv& env) const = 0;
};

// The built-in transform of that name; null when there is none.
const Transform* FindTransform(std::string_view name);

}  // namespace silta::mapping
