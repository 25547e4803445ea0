#include "cli/resource_check.h"

#include "cli/cli_util.h"
#include "formats/formats.h"

namespace silta::cli {
namespace {

// Rewrites the issues of a resource checked on its own so that they point into the Bundle.
class PrefixingSink : public IssueSink {
 public:
  PrefixingSink(IssueSink& inner, std::string prefix, std::string resource_type)
      : inner_(inner), prefix_(std::move(prefix)), resource_type_(std::move(resource_type)) {}
  void Report(Issue issue) override {
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
  SILTA_ASSIGN_OR_RETURN(auto model, LoadCoreTypeModel());
  return std::unique_ptr<ResourceChecker>(new ResourceChecker(std::move(model)));
}

void ResourceChecker::CheckResource(const mapping::JsonValue& resource, const std::string& source,
                                    const std::string& where, IssueSink& sink) const {
  const mapping::JsonValue* type = resource.Find("resourceType");
  PrefixingSink prefixed(sink, where, type != nullptr ? type->text() : std::string());
  formats::ParseOptions options;
  options.source_name = source;
  // Line numbers would point into a text nobody sees; the expression locates the problem.
  std::unique_ptr<model::Document> document =
      formats::ParseJson(resource.ToString(), model_, prefixed, options);
  (void)document;
}

void ResourceChecker::CheckBundle(const mapping::JsonValue& bundle, const std::string& source,
                                  IssueSink& sink) const {
  const mapping::JsonValue* entries = bundle.Find("entry");
  if (entries == nullptr) return;
  for (size_t i = 0; i < entries->items().size(); ++i) {
    if (const mapping::JsonValue* resource = entries->items()[i].Find("resource")) {
      CheckResource(*resource, source, "Bundle.entry[" + std::to_string(i) + "].resource", sink);
    }
  }
}

}  // namespace silta::cli
