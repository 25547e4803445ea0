#include "context/resource_check.h"

#include "context/context.h"
#include "context/definitions.h"
#include "formats/formats.h"

namespace silta::context {
namespace {

// Drops line and column from the issues of a produced resource: the text they would count in
// was never a file anyone sees; the expression locates the problem.
class UnlocatedSink : public IssueSink {
 public:
  explicit UnlocatedSink(IssueSink& inner) : inner_(inner) {}
  void Report(Issue issue) override {
    issue.location = {};
    inner_.Report(std::move(issue));
  }

 private:
  IssueSink& inner_;
};

}  // namespace

StatusOr<std::unique_ptr<ResourceChecker>> ResourceChecker::Create() {
  SILTA_ASSIGN_OR_RETURN(auto model, CoreTypeModel());
  SILTA_ASSIGN_OR_RETURN(LoadedValidator loaded, LoadSiltaValidator());
  return std::unique_ptr<ResourceChecker>(
      new ResourceChecker(std::move(model), std::move(loaded.validator)));
}

void ResourceChecker::CheckBundle(const json::Value& bundle, const std::string& source,
                                  IssueSink& sink) const {
  // The Bundle is checked whole, so that references between its entries resolve (invariants
  // such as ctm-1 follow them) and the Bundle's own rules apply.
  UnlocatedSink located(sink);
  formats::ParseOptions options;
  options.source_name = source;
  std::unique_ptr<model::Document> document = formats::ToDocument(bundle, model_, located, options);
  if (document != nullptr) validator_->Validate(*document, {}, located);
}

}  // namespace silta::context
