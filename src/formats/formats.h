// Facade of the formats module: FHIR JSON and XML, both directions, over the element model.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "base/issues.h"
#include "formats/json_tree.h"
#include "json/json.h"
#include "model/element.h"

namespace silta::formats {

enum class Format { kJson, kXml };

struct ParseOptions {
  std::string source_name;  // copied into every issue
  // Off by default: unknown elements are an error, as the FHIR spec says.
  bool allow_unknown_elements = false;
  uint32_t max_depth = 256;
  // For validation only: a narrative refused as not well-formed XHTML (reported) keeps its
  // markup as the div's value, without a tree (model::Document::Xhtml), instead of being
  // dropped, so that the div is not reported missing as well; the reference validator does
  // the same. A document read so must not be written out: its XML form could be broken.
  bool keep_refused_narratives = false;
};

// Parses one resource. Every problem goes to `sink` with line/column and a FHIRPath location.
// Returns null only when nothing usable could be read (malformed syntax, not a resource); a
// non-null result may still have been reported with errors (the offending parts are dropped).
std::unique_ptr<model::Document> ParseJson(std::string_view text,
                                           std::shared_ptr<const model::TypeModel> model,
                                           IssueSink& sink, const ParseOptions& options = {});
std::unique_ptr<model::Document> ParseXml(std::string_view text,
                                          std::shared_ptr<const model::TypeModel> model,
                                          IssueSink& sink, const ParseOptions& options = {});
// A resource from a JSON tree made in memory (formats/json_tree.h) rather than read from text,
// such as a mapper's output: the same construction and checks as ParseJson, without line/column.
// `build` fills the root with nodes and strings allocated from the arena it is given (the
// document's, which owns them from then on). It refuses what the text reader would refuse, as
// it goes (the tree is not walked a second time): it returns why the tree cannot be read (see
// json_tree.h: kJsonNotUtf8String, kJsonNotUtf8Name, kJsonTooDeep), or null.
using JsonTreeBuilder = std::function<const char*(std::pmr::memory_resource* arena,
                                                  uint32_t max_depth, JsonNode* root)>;
std::unique_ptr<model::Document> BuildJson(const JsonTreeBuilder& build,
                                           std::shared_ptr<const model::TypeModel> model,
                                           IssueSink& sink, const ParseOptions& options = {});
// The FHIR resource `resource` holds, as an element tree: what ParseJson of its text gives (the
// same checks and issues, without line/column), without writing the text.
std::unique_ptr<model::Document> ToDocument(const json::Value& resource,
                                            std::shared_ptr<const model::TypeModel> model,
                                            IssueSink& sink, const ParseOptions& options = {});
std::unique_ptr<model::Document> Parse(std::string_view text, Format format,
                                       std::shared_ptr<const model::TypeModel> model,
                                       IssueSink& sink, const ParseOptions& options = {});

struct WriteOptions {
  bool pretty = true;
};

// Writes a resource element (a root or a contained resource).
std::string WriteJson(const model::Element& resource, const WriteOptions& options = {});
std::string WriteXml(const model::Element& resource, const WriteOptions& options = {});
std::string Write(const model::Element& resource, Format format, const WriteOptions& options = {});

// A narrative's markup (the xhtml primitive's value) as a tree in `arena` (model/xhtml.h). The
// parsers keep this for every narrative they accept (model::Document::Xhtml); this is for
// documents built without them. Only what the parsers accept parses: one well-formed <div>
// with nothing around it, no entity besides XML's five, no character XML does not allow.
struct XhtmlParse {
  const model::XhtmlNode* root = nullptr;  // null: not accepted, for the reason below
  const char* message_id = nullptr;        // XHTML_MALFORMED, XHTML_ENTITY_UNDEFINED...
  std::string message;
};
XhtmlParse ParseXhtml(std::string_view markup, std::pmr::memory_resource* arena);

// ".json"/".xml" (also ".ndjson" → JSON); nullopt for anything else.
std::optional<Format> FormatFromPath(std::string_view path);
// Looks at the first non-blank character: '{' → JSON, '<' → XML.
std::optional<Format> SniffFormat(std::string_view text);
std::optional<Format> FormatFromName(std::string_view name);  // "json" / "xml"

}  // namespace silta::formats
