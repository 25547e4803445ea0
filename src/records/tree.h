// A neutral syntax tree that both the JSON and the XML form of a record are turned into, so one
// schema-driven decoder serves both. Internal to the records module.
#pragma once

#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "base/files.h"
#include "base/issues.h"
#include "base/text.h"

namespace silta::records::internal {

enum class RawKind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

struct RawNode;

// In JSON a member has exactly one value. In XML it gathers every child element of that name,
// so an array field is the list of its occurrences.
struct RawMember {
  std::string_view name;
  SourceLocation location;
  std::vector<RawNode> values;
};

struct RawNode {
  RawKind kind = RawKind::kNull;
  bool bool_value = false;
  std::string_view text;  // strings and number text; XML leaves are strings
  std::vector<RawNode> items;
  std::vector<RawMember> members;
  SourceLocation location;

  const RawMember* Find(std::string_view name) const {
    for (const RawMember& m : members) {
      if (m.name == name) return &m;
    }
    return nullptr;
  }
};

// A problem found while building the tree (syntax, duplicate members, XML attributes).
struct SyntaxProblem {
  IssueType type;
  const char* message_id;
  std::string message;
  SourceLocation location;
  std::string path = "$";
};

// The parsed document and the storage its string views point into.
struct RawDocument {
  RawNode root;
  std::pmr::monotonic_buffer_resource arena;
  std::shared_ptr<void> xml;  // the pugixml document (XML strings view its buffer)
};

// False if the text holds U+FFFE or U+FFFF, which XML 1.0 cannot carry.
bool IsXmlCharacters(std::string_view s);

// Both return false when nothing usable could be read; problems (also non-fatal ones such as
// duplicate members) are appended to `problems`. `lines` maps offsets of `text`; a non-zero
// `line_offset` shifts reported lines (NDJSON).
bool ParseJsonRaw(std::string_view text, uint32_t max_depth, const LineIndex& lines,
                  RawDocument* doc, std::vector<SyntaxProblem>* problems);
bool ParseXmlRaw(std::string_view text, uint32_t max_depth, const LineIndex& lines,
                 RawDocument* doc, std::vector<SyntaxProblem>* problems);

}  // namespace silta::records::internal
