#include "formats/formats.h"

namespace silta::formats {

std::unique_ptr<model::Document> Parse(std::string_view text, Format format,
                                       std::shared_ptr<const model::TypeModel> model,
                                       IssueSink& sink, const ParseOptions& options) {
  return format == Format::kJson ? ParseJson(text, std::move(model), sink, options)
                                 : ParseXml(text, std::move(model), sink, options);
}

std::optional<Format> FormatFromPath(std::string_view path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends_with(".json") || ends_with(".ndjson") || ends_with(".JSON")) return Format::kJson;
  if (ends_with(".xml") || ends_with(".XML")) return Format::kXml;
  return std::nullopt;
}

std::optional<Format> SniffFormat(std::string_view text) {
  // A UTF-8 byte order mark may precede an XML document (XML 1.0, appendix F).
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '{') return Format::kJson;
    if (c == '<') return Format::kXml;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Format> FormatFromName(std::string_view name) {
  if (name == "json") return Format::kJson;
  if (name == "xml") return Format::kXml;
  return std::nullopt;
}

}  // namespace silta::formats
