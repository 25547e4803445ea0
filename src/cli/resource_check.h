// The check every resource Silta produces passes before it is written or sent: it must parse as
// FHIR R4 (elements, types, primitive formats) and conform to the profile in its meta.profile.
#pragma once

#include <memory>
#include <string>

#include "base/issues.h"
#include "base/status.h"
#include "mapping/json_value.h"
#include "model/type_model.h"

namespace silta::cli {

class ResourceChecker {
 public:
  static StatusOr<std::unique_ptr<ResourceChecker>> Create();

  // Checks one resource; issue expressions are prefixed with `where` ("Bundle.entry[2].resource").
  void CheckResource(const mapping::JsonValue& resource, const std::string& source,
                     const std::string& where, IssueSink& sink) const;
  // Checks every entry's resource of a Bundle.
  void CheckBundle(const mapping::JsonValue& bundle, const std::string& source,
                   IssueSink& sink) const;

 private:
  explicit ResourceChecker(std::shared_ptr<const model::TypeModel> model)
      : model_(std::move(model)) {}
  std::shared_ptr<const model::TypeModel> model_;
};

}  // namespace silta::cli
