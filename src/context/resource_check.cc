#include "context/resource_check.h"

#include "context/context.h"
#include "context/definitions.h"
#include "formats/formats.h"

namespace silta::context {
namespace {

// Rewrites the issues of a produced resource: no line/column (the text was never a file anyone
// sees), and, for a resource checked on its own, an expression that points into its Bundle.
class PrefixingSink : public IssueSink {
 public:
  PrefixingSink(IssueSink& inner, std::string prefix, std::string resource_type)
      : inner_(inner), prefix_(std::move(prefix)), resource_type_(std::move(resource_type)) {}
  void Report(Issue issue) override {
    issue.location = {};
    if (!prefix_.empty()) {
      if (issue.expression.starts_with(resource_type_)) {
        issue.expression = prefix_ + issue.expression.substr(resource_type_.size());
      } else if (issue.expression.empty()) {
        issue.expression = prefix_;
      }
    }
    inner_.Report(std::move(issue));
  }

 private:
  IssueSink& inner_;
  std::string prefix_;
  std::string resource_type_;
};

}  // namespace

StatusOr<std::unique_ptr<ResourceChecker>> ResourceChecker::Create() {
  SILTA_ASSIGN_OR_RETURN(auto model, CoreTypeModel());
  SILTA_ASSIGN_OR_RETURN(LoadedValidator loaded, LoadSiltaValidator());
  return std::unique_ptr<ResourceChecker>(
      new ResourceChecker(std::move(model), std::move(loaded.validator)));
}

void ResourceChecker::CheckResource(const json::Value& resource, const std::string& source,
                                    const std::string& where, IssueSink& sink) const {
  const json::Value* type = resource.Find("resourceType");
  PrefixingSink prefixed(sink, where, type != nullptr ? type->text() : std::string());
  formats::ParseOptions options;
  options.source_name = source;
  // Line numbers would point into a text nobody sees; the expression locates the problem.
  std::unique_ptr<model::Document> document =
      formats::ToDocument(resource, model_, prefixed, options);
  if (document != nullptr) validator_->Validate(*document, {}, prefixed);
}

void ResourceChecker::CheckBundle(const json::Value& bundle, const std::string& source,
                                  IssueSink& sink) const {
  // The Bundle is checked whole, so that references between its entries resolve (invariants
  // such as ctm-1 follow them) and the Bundle's own rules apply.
  PrefixingSink located(sink, "", "");
  formats::ParseOptions options;
  options.source_name = source;
  std::unique_ptr<model::Document> document = formats::ToDocument(bundle, model_, located, options);
  if (document != nullptr) validator_->Validate(*document, {}, located);
}

}  // namespace silta::context
