// The check every resource Silta produces passes before it is written or sent: it must parse as
// FHIR R4 (elements, types, primitive formats) and conform to the Silta profile in its
// meta.profile (and so to FI Base and R4 core), with zero errors.
#pragma once

#include <memory>
#include <string>

#include "base/issues.h"
#include "base/status.h"
#include "json/json.h"
#include "model/type_model.h"
#include "validation/validation.h"

namespace silta::context {

class ResourceChecker {
 public:
  static StatusOr<std::unique_ptr<ResourceChecker>> Create();

  // Checks every entry's resource of a Bundle.
  void CheckBundle(const json::Value& bundle, const std::string& source, IssueSink& sink) const;

 private:
  ResourceChecker(std::shared_ptr<const model::TypeModel> model,
                  std::shared_ptr<const validation::Validator> validator)
      : model_(std::move(model)), validator_(std::move(validator)) {}
  std::shared_ptr<const model::TypeModel> model_;
  std::shared_ptr<const validation::Validator> validator_;
};

}  // namespace silta::context
