// Shared machinery of the JSON and XML parsers: issue reporting with a FHIRPath location, the
// lexical rules both formats enforce, and child collection. Internal to the formats module.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/files.h"
#include "base/issues.h"
#include "base/text.h"
#include "formats/formats.h"
#include "model/element.h"

namespace silta::formats::internal {

// Lexical rules from the R4 datatypes page for the primitives whose JSON form is not a string.
bool IsIntegerLexical(std::string_view s);
bool IsDecimalLexical(std::string_view s);
using silta::IsValidUtf8;
// The first '&' that does not start one of XML's predefined entity references or a character
// reference to a character XML allows.
struct BadReference {
  enum Kind { kNone, kUndefinedEntity, kIllegalCharacter };
  size_t offset = std::string_view::npos;
  Kind kind = kNone;
  std::string_view text;  // the reference as written ("&nbsp;", "&#1;"), or "&" when bare
  explicit operator bool() const { return kind != kNone; }
};
BadReference FindBadReference(std::string_view text);

class ParserBase {
 public:
  ParserBase(std::string_view text, std::shared_ptr<const model::TypeModel> model, IssueSink& sink,
             const ParseOptions& options);

  std::unique_ptr<model::Document> TakeDocument() { return std::move(doc_); }
  bool had_error() const { return error_count_ > 0; }

 protected:
  struct PathFrame {
    std::string_view name;
    int index;  // -1 when the element does not repeat
    // The chosen type of a choice element: "value.ofType(Quantity)", the validator's form.
    std::string_view of_type = {};
  };

  void Report(Severity severity, IssueType type, const char* message_id, std::string message,
              size_t offset);
  void Error(IssueType type, const char* message_id, std::string message, size_t offset) {
    Report(Severity::kError, type, message_id, std::move(message), offset);
  }
  std::string CurrentPath() const;
  void PushPath(std::string_view name, int index) { path_.push_back({name, index}); }
  // `type` must outlive the frame (type names live in the model).
  void PushChoicePath(const model::ElementDef& def, const model::TypeDef& type) {
    path_.push_back({def.name, -1, def.is_choice ? std::string_view(type.name) : ""});
  }
  void PopPath() { path_.pop_back(); }

  // Children are gathered on a shared stack; FinishChildren moves those above `mark` into the
  // arena and attaches them to `parent`.
  size_t ChildMark() const { return children_.size(); }
  void AddChild(model::Element* child) { children_.push_back(child); }
  void FinishChildren(model::Element* parent, size_t mark);

  // Checks the lexical form of a primitive value shared by both formats; false = reported and
  // the value is dropped (a refused narrative is kept when the options say so).
  bool CheckPrimitiveText(const model::TypeDef& type, std::string_view value, size_t offset);
  bool CheckLexicalForm(const model::TypeDef& type, std::string_view value, size_t offset);
  bool CheckXhtml(std::string_view value, size_t offset);
  // Keeps the tree of the narrative CheckXhtml last accepted for `element`, which holds it.
  void AttachXhtml(const model::Element& element);

  std::string_view text_;
  std::unique_ptr<model::Document> doc_;
  const model::TypeModel* model_;
  IssueSink& sink_;
  const ParseOptions& options_;
  LineIndex lines_;
  std::vector<PathFrame> path_;
  std::vector<model::Element*> children_;
  size_t error_count_ = 0;
  const model::XhtmlNode* pending_xhtml_ = nullptr;
};

}  // namespace silta::formats::internal
