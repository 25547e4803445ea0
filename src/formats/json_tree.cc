#include "formats/json_tree.h"

#include <rapidjson/encodings.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/text.h"

namespace silta::formats {

namespace {

// RapidJSON reads the arena's NUL-terminated copy of the text in situ: it decodes each string
// where it stands in that copy, so the tree's strings are the copy's bytes and nothing is copied
// string by string; with RAPIDJSON_SSE2 it scans strings and whitespace 16 bytes at a time (only
// for its own in-situ stream type, hence no wrapper around it).
using InsituStream = rapidjson::InsituStringStream;
// The reader works on private copies of this stream inside its string and number functions and
// writes them back when they return: the handler below relies on that (see RawNumber).
static_assert(rapidjson::StreamTraits<InsituStream>::copyOptimization == 1);

// Collects SAX events on explicit stacks, then copies each finished container into the arena
// as a contiguous span. The stacks are reused, so a document costs few allocations.
class TreeHandler {
 public:
  TreeHandler(std::pmr::memory_resource* arena, InsituStream* stream, uint32_t max_depth)
      : arena_(arena), stream_(stream), copy_(stream->head_), max_depth_(max_depth) {}

  bool Null() {
    JsonNode* n = PushNode(JsonKind::kNull);
    n->offset = Here() - 4;
    return true;
  }
  bool Bool(bool b) {
    JsonNode* n = PushNode(JsonKind::kBool);
    n->bool_value = b;
    n->offset = Here() - (b ? 4 : 5);
    return true;
  }
  bool Int(int) { return false; }  // unreachable with kParseNumbersAsStringsFlag
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char*, rapidjson::SizeType length, bool) {
    // The reader reads the number on its private copy of the stream and reports it before
    // writing the copy back, so the stream here still stands at the number's first character
    // (and the pointer it passes, computed from that stale position, is not the number's).
    JsonNode* n = PushNode(JsonKind::kNumber);
    n->offset = Here();
    n->text = Text(copy_ + n->offset, length);
    return true;
  }
  bool String(const char* str, rapidjson::SizeType length, bool) {
    JsonNode* n = PushNode(JsonKind::kString);
    n->text = Text(str, length);
    n->offset = QuoteBefore(str);
    return true;
  }
  bool StartObject() { return Open(JsonKind::kObject); }
  bool Key(const char* str, rapidjson::SizeType length, bool) {
    pending_key_ = Text(str, length);
    pending_key_offset_ = QuoteBefore(str);
    has_pending_key_ = true;
    return true;
  }
  bool EndObject(rapidjson::SizeType count) { return Close(count); }
  bool StartArray() { return Open(JsonKind::kArray); }
  bool EndArray(rapidjson::SizeType count) { return Close(count); }

  JsonNode root;
  bool depth_exceeded = false;

 private:
  struct Frame {
    JsonKind kind;
    uint32_t offset;
    size_t first;  // index into items_/members_ stacks
    std::string_view key;
    uint32_t key_offset;
  };

  // Decoded in the arena's copy of the text already.
  static std::string_view Text(const char* str, size_t length) {
    if (length == 0) return {"", 0};
    return {str, length};
  }

  uint32_t Here() const { return static_cast<uint32_t>(stream_->Tell()); }

  // Where a string starts (its opening quote), so that issues point at its first character:
  // decoded in place, a string begins where its text did, right after the quote.
  uint32_t QuoteBefore(const char* decoded) const {
    return static_cast<uint32_t>(decoded - copy_ - 1);
  }

  // Appends a value node to the current container (or sets the root) and returns it.
  JsonNode* PushNode(JsonKind kind) {
    JsonNode node;
    node.kind = kind;
    node.offset = Here() == 0 ? 0 : Here() - 1;
    if (frames_.empty()) {
      root = node;
      return &root;
    }
    if (frames_.back().kind == JsonKind::kObject) {
      JsonMember m;
      m.name = pending_key_;
      m.name_offset = pending_key_offset_;
      m.value = node;
      members_.push_back(m);
      return &members_.back().value;
    }
    items_.push_back(node);
    return &items_.back();
  }

  bool Open(JsonKind kind) {
    if (frames_.size() >= max_depth_) {
      depth_exceeded = true;
      return false;
    }
    Frame f;
    f.kind = kind;
    f.offset = Here() == 0 ? 0 : Here() - 1;
    f.first = kind == JsonKind::kObject ? members_.size() : items_.size();
    f.key = has_pending_key_ ? pending_key_ : std::string_view();
    f.key_offset = pending_key_offset_;
    has_pending_key_ = false;
    frames_.push_back(f);
    return true;
  }

  bool Close(rapidjson::SizeType) {
    Frame f = frames_.back();
    frames_.pop_back();
    JsonNode node;
    node.kind = f.kind;
    node.offset = f.offset;
    if (f.kind == JsonKind::kObject) {
      size_t n = members_.size() - f.first;
      JsonMember* mem = n == 0 ? nullptr
                               : static_cast<JsonMember*>(
                                     arena_.Allocate(sizeof(JsonMember) * n, alignof(JsonMember)));
      std::uninitialized_copy(members_.begin() + static_cast<ptrdiff_t>(f.first), members_.end(),
                              mem);
      members_.resize(f.first);
      node.members = {mem, n};
    } else {
      size_t n = items_.size() - f.first;
      JsonNode* mem =
          n == 0 ? nullptr
                 : static_cast<JsonNode*>(arena_.Allocate(sizeof(JsonNode) * n, alignof(JsonNode)));
      std::uninitialized_copy(items_.begin() + static_cast<ptrdiff_t>(f.first), items_.end(), mem);
      items_.resize(f.first);
      node.items = {mem, n};
    }
    if (frames_.empty()) {
      root = node;
      return true;
    }
    if (frames_.back().kind == JsonKind::kObject) {
      JsonMember m;
      m.name = f.key;
      m.name_offset = f.key_offset;
      m.value = node;
      members_.push_back(m);
    } else {
      items_.push_back(node);
    }
    return true;
  }

  BumpAllocator arena_;
  InsituStream* stream_;  // Tell() is not const on RapidJSON's in-situ stream
  const char* copy_;      // the text the stream reads, decoded in place as it goes
  uint32_t max_depth_;
  std::vector<Frame> frames_;
  std::vector<JsonNode> items_;
  std::vector<JsonMember> members_;
  std::string_view pending_key_;
  uint32_t pending_key_offset_ = 0;
  bool has_pending_key_ = false;
};

}  // namespace
}  // namespace silta::formats

namespace silta::formats {

void* BumpAllocator::AllocateSlow(size_t size, size_t align) {
  // Large blocks come from the arena directly, so they do not leave a chunk half used.
  if (size > kChunk / 4) return arena_->allocate(size, align);
  next_ = static_cast<char*>(arena_->allocate(kChunk, alignof(std::max_align_t)));
  end_ = next_ + kChunk;
  next_ += size;
  return next_ - size;
}

bool ParseJsonTree(std::string_view text, std::pmr::memory_resource* arena, uint32_t max_depth,
                   JsonNode* root, JsonParseError* error) {
  if (text.size() >= UINT32_MAX) {
    error->message = "document too large (4 GiB or more)";
    error->offset = 0;
    return false;
  }
  // The copy is the tree's string storage (strings decoded in place), in the document's arena.
  char* copy = static_cast<char*>(arena->allocate(text.size() + 1, 1));
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  InsituStream stream(copy);
  TreeHandler handler(arena, &stream, max_depth);
  rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>> reader;
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseIterativeFlag;
  // RapidJSON checks the encoding a character at a time, which took about half of its string
  // reading. Text that is valid UTF-8 throughout (nearly all of it, and the check of the whole
  // text runs eight ASCII bytes at a time) cannot fail that check, so it is skipped there;
  // any other text is read with it, for the same error and offset as always.
  rapidjson::ParseResult result =
      IsValidUtf8(text)
          ? reader.Parse<kFlags>(stream, handler)
          : reader.Parse<kFlags | rapidjson::kParseValidateEncodingFlag>(stream, handler);
  if (result.IsError()) {
    error->offset = result.Offset();
    if (handler.depth_exceeded) {
      error->message = "JSON nesting is deeper than " + std::to_string(max_depth) + " levels";
    } else {
      error->message = std::string("malformed JSON: ") + rapidjson::GetParseError_En(result.Code());
    }
    return false;
  }
  *root = handler.root;
  return true;
}

namespace {

const JsonMember* FindMember(const JsonNode& obj, std::string_view name) {
  for (const JsonMember& m : obj.members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

bool Diff(const JsonNode& a, const JsonNode& b, const std::string& path, std::string* out) {
  auto fail = [&](const std::string& what) {
    if (out != nullptr) *out = (path.empty() ? "/" : path) + ": " + what;
    return false;
  };
  if (a.kind != b.kind) {
    return fail(std::string(json::KindName(a.kind)) + " vs " + json::KindName(b.kind));
  }
  switch (a.kind) {
    case JsonKind::kNull:
      return true;
    case JsonKind::kBool:
      return a.bool_value == b.bool_value ? true : fail("different booleans");
    case JsonKind::kNumber:
    case JsonKind::kString:
      if (a.text == b.text) return true;
      return fail("\"" + std::string(a.text.substr(0, 80)) + "\" vs \"" +
                  std::string(b.text.substr(0, 80)) + "\"");
    case JsonKind::kArray:
      if (a.items.size() != b.items.size()) {
        return fail("array sizes " + std::to_string(a.items.size()) + " vs " +
                    std::to_string(b.items.size()));
      }
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (!Diff(a.items[i], b.items[i], path + "/" + std::to_string(i), out)) return false;
      }
      return true;
    case JsonKind::kObject:
      if (a.members.size() != b.members.size()) {
        for (const JsonMember& m : a.members) {
          if (FindMember(b, m.name) == nullptr)
            return fail("member \"" + std::string(m.name) + "\" only on the left");
        }
        for (const JsonMember& m : b.members) {
          if (FindMember(a, m.name) == nullptr)
            return fail("member \"" + std::string(m.name) + "\" only on the right");
        }
        return fail("member counts differ");
      }
      for (const JsonMember& m : a.members) {
        const JsonMember* other = FindMember(b, m.name);
        if (other == nullptr)
          return fail("member \"" + std::string(m.name) + "\" only on the left");
        if (!Diff(m.value, other->value, path + "/" + std::string(m.name), out)) return false;
      }
      return true;
  }
  return true;
}

}  // namespace

bool JsonEquals(const JsonNode& a, const JsonNode& b) { return Diff(a, b, "", nullptr); }

std::string JsonDiff(const JsonNode& a, const JsonNode& b) {
  std::string out;
  Diff(a, b, "", &out);
  return out;
}

}  // namespace silta::formats
