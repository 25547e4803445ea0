// A lossless JSON tree: numbers keep their exact text, members keep document order (duplicates
// included, so callers can report them), and every node records its byte offset. Built with
// simdjson's On-Demand API into an arena, with RapidJSON's SAX reader for what that refuses
// (the errors are RapidJSON's); used as the first stage of FHIR JSON parsing and to compare JSON
// documents exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>

#include "base/issues.h"
#include "json/value.h"

namespace silta::formats {

// The kinds of JSON value, shared with json::Value.
using JsonKind = json::Kind;

struct JsonMember;

struct JsonNode {
  JsonKind kind = JsonKind::kNull;
  bool bool_value = false;
  std::string_view text;          // string contents (unescaped) or number text
  std::span<JsonNode> items;      // arrays
  std::span<JsonMember> members;  // objects, in document order
  uint32_t offset = 0;            // byte offset of the value's first character
};

struct JsonMember {
  std::string_view name;
  uint32_t name_offset = 0;
  JsonNode value;
};

struct JsonParseError {
  std::string message;
  size_t offset = 0;
};

// Why a JSON tree made in memory cannot be read (formats::BuildJson): what the text reader
// refuses as malformed JSON.
inline constexpr const char* kJsonNotUtf8String = "invalid UTF-8 in a string";
inline constexpr const char* kJsonNotUtf8Name = "invalid UTF-8 in a member name";
inline constexpr const char* kJsonTooDeep = "the JSON is nested too deeply";

// Hands out memory from chunks of an arena: a tree makes hundreds of small allocations, and
// bumping a pointer inline is much cheaper than a call into the arena for each.
class BumpAllocator {
 public:
  explicit BumpAllocator(std::pmr::memory_resource* arena) : arena_(arena) {}
  // `align` is a power of two no larger than alignof(std::max_align_t).
  void* Allocate(size_t size, size_t align) {
    uintptr_t at = (reinterpret_cast<uintptr_t>(next_) + align - 1) & ~(uintptr_t{align} - 1);
    uintptr_t end = reinterpret_cast<uintptr_t>(end_);
    if (next_ != nullptr && at <= end && size <= end - at) {
      next_ = reinterpret_cast<char*>(at + size);
      return next_ - size;
    }
    return AllocateSlow(size, align);
  }

 private:
  static constexpr size_t kChunk = 8192;
  void* AllocateSlow(size_t size, size_t align);
  std::pmr::memory_resource* arena_;
  char* next_ = nullptr;
  char* end_ = nullptr;
};

// Parses `text` into a tree allocated from `arena`. Returns false and fills `error` on malformed
// JSON (including nesting deeper than `max_depth`, and invalid UTF-8).
bool ParseJsonTree(std::string_view text, std::pmr::memory_resource* arena, uint32_t max_depth,
                   JsonNode* root, JsonParseError* error);

// The same with RapidJSON alone: ParseJsonTree's fallback and the reference it must agree with
// (tests and the JSON fuzzer compare the two).
bool ParseJsonTreeWithRapidJson(std::string_view text, std::pmr::memory_resource* arena,
                                uint32_t max_depth, JsonNode* root, JsonParseError* error);

// Equality as JSON values: object member order ignored, numbers compared by their text.
bool JsonEquals(const JsonNode& a, const JsonNode& b);

// The same tree node for node: kinds, text, member order and names, and every offset. What
// ParseJsonTree must give wherever RapidJSON alone gives a tree (tests and the fuzzer check it).
bool JsonTreesIdentical(const JsonNode& a, const JsonNode& b);

// Describes the first difference found (a JSON-pointer-like path), for test failure messages.
std::string JsonDiff(const JsonNode& a, const JsonNode& b);

}  // namespace silta::formats
