#include "formats/json_tree.h"

#include <rapidjson/encodings.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>
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

// Moves the entries of `stack` from `first` on into the arena as one span, and pops them: how
// both tree builders finish a container. One memcpy: an element-wise copy of these 64- and
// 88-byte structs compiled to a `rep movs` each, a quarter of a builder's time.
template <typename T>
std::span<T> MoveToArena(BumpAllocator& arena, std::vector<T>& stack, size_t first) {
  static_assert(std::is_trivially_copyable_v<T>);
  const size_t n = stack.size() - first;
  if (n == 0) return {};
  auto* mem = static_cast<T*>(arena.Allocate(sizeof(T) * n, alignof(T)));
  std::memcpy(static_cast<void*>(mem), stack.data() + first, sizeof(T) * n);
  stack.resize(first);
  return {mem, n};
}

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
      node.members = MoveToArena(arena_, members_, f.first);
    } else {
      node.items = MoveToArena(arena_, items_, f.first);
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

namespace {

// RapidJSON over `copy`, the arena's NUL-terminated copy of the text, which it decodes in place.
bool ParseWithRapidJson(char* copy, std::string_view text, std::pmr::memory_resource* arena,
                        uint32_t max_depth, JsonNode* root, JsonParseError* error) {
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

bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// simdjson gives a scalar's token with the whitespace up to the next token.
std::string_view TrimEnd(std::string_view token) {
  size_t n = token.size();
  while (n > 0 && IsJsonSpace(token[n - 1])) --n;
  return token.substr(0, n);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// On-Demand does not check a number it is not asked to convert, so the tree's builder checks
// RFC 8259's grammar itself: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. It also leaves to
// RapidJSON the numbers RapidJSON refuses as too big for a double although they are grammatical:
// an integer part of more than 300 digits, or a positive exponent above 308 (RapidJSON's limits
// are 308 digits and 308 plus the fraction's digits; below those it accepts any number).
bool IsPlainNumber(std::string_view n) {
  size_t i = 0;
  const size_t size = n.size();
  if (i < size && n[i] == '-') ++i;
  if (i >= size) return false;
  const size_t int_start = i;
  if (n[i] == '0') {
    ++i;
  } else if (n[i] >= '1' && n[i] <= '9') {
    while (i < size && IsDigit(n[i])) ++i;
  } else {
    return false;
  }
  if (i - int_start > 300) return false;
  if (i < size && n[i] == '.') {
    ++i;
    if (i >= size || !IsDigit(n[i])) return false;
    while (i < size && IsDigit(n[i])) ++i;
  }
  if (i < size && (n[i] == 'e' || n[i] == 'E')) {
    ++i;
    bool minus = false;
    if (i < size && (n[i] == '+' || n[i] == '-')) minus = n[i++] == '-';
    if (i >= size || !IsDigit(n[i])) return false;
    int exp = 0;
    while (i < size && IsDigit(n[i])) {
      if (exp <= 1000) exp = exp * 10 + (n[i] - '0');
      ++i;
    }
    if (!minus && exp > 308) return false;
  }
  return i == size;
}

// Builds the tree with simdjson's On-Demand API over the arena's padded copy of the text. Every
// scalar is checked here (On-Demand validates structure, UTF-8 and unescaped control characters,
// not tokens it is not asked to convert). Returns false, leaving the error to RapidJSON, on
// anything simdjson or these checks refuse and on anything RapidJSON might read differently, so
// that the fast path only ever gives the tree RapidJSON would.
class OnDemandBuilder {
 public:
  OnDemandBuilder(std::pmr::memory_resource* arena, const char* copy, uint32_t max_depth)
      : arena_(arena), copy_(copy), max_depth_(max_depth) {}

  bool Build(simdjson::ondemand::document& doc, JsonNode* root) {
    // What a refused document left on the thread's stacks.
    items_.clear();
    members_.clear();
    // The root is started through the document, whose start checks that the text ends with
    // the matching bracket and, where that alone cannot tell, that brackets balance. A scalar
    // at the root cannot be a simdjson value (SCALAR_DOCUMENT_AS_VALUE); no FHIR document or
    // client record is one, so RapidJSON reads those.
    std::string_view token;
    if (doc.raw_json_token().get(token) != simdjson::SUCCESS || token.empty()) return false;
    root->offset = Offset(token.data());
    root->offset -= root->offset > 0 ? 1 : 0;  // as for any container, see Value
    if (token[0] == '{') {
      simdjson::ondemand::object object;
      if (doc.get_object().get(object) != simdjson::SUCCESS) return false;
      if (!Members(object, 1, root)) return false;
    } else if (token[0] == '[') {
      simdjson::ondemand::array array;
      if (doc.get_array().get(array) != simdjson::SUCCESS) return false;
      if (!Items(array, 1, root)) return false;
    } else {
      return false;
    }
    // Trailing content: simdjson stops after the root value; RapidJSON refuses what follows.
    const char* trailing = nullptr;
    return doc.current_location().get(trailing) == simdjson::OUT_OF_BOUNDS;
  }

 private:
  uint32_t Offset(const char* p) const { return static_cast<uint32_t>(p - copy_); }

  bool Value(simdjson::ondemand::value& value, uint32_t depth, JsonNode* node) {
    std::string_view token = value.raw_json_token();
    if (token.empty()) return false;
    node->offset = Offset(token.data());
    switch (token[0]) {
      // A container's offset is the byte before its bracket (the first byte for a container
      // there): RapidJSON's iterative reader reports the start of an object or array before it
      // takes the bracket, and TreeHandler steps back one byte as for the other values. Kept
      // so that issues keep their line and column.
      case '{':
        node->offset -= node->offset > 0 ? 1 : 0;
        return Object(value, depth, node);
      case '[':
        node->offset -= node->offset > 0 ? 1 : 0;
        return Array(value, depth, node);
      case '"': {
        // Taken, not left for the container to skip: On-Demand skips a string followed by a
        // colon as a member name, which would let `{"a":"b":1}` through.
        token = TrimEnd(token);
        if (token.size() < 2 || token.back() != '"') return false;
        node->kind = JsonKind::kString;
        std::string_view raw = token.substr(1, token.size() - 2);
        if (raw.find('\\') == std::string_view::npos) {
          simdjson::ondemand::raw_json_string taken;
          if (value.get_raw_json_string().get(taken) != simdjson::SUCCESS) return false;
          node->text = raw.empty() ? std::string_view("", 0) : raw;
          return true;
        }
        std::string_view decoded;
        if (value.get_string().get(decoded) != simdjson::SUCCESS) return false;
        node->text = Keep(decoded);
        return true;
      }
      case 't':
        node->kind = JsonKind::kBool;
        node->bool_value = true;
        return TrimEnd(token) == "true";
      case 'f':
        node->kind = JsonKind::kBool;
        return TrimEnd(token) == "false";
      case 'n':
        node->kind = JsonKind::kNull;
        return TrimEnd(token) == "null";
      default:
        token = TrimEnd(token);
        node->kind = JsonKind::kNumber;
        node->text = token;
        return IsPlainNumber(token);
    }
  }

  // Nesting: RapidJSON refuses a container deeper than max_depth with its own message; the
  // recursion here also stays within simdjson's default depth (1024).
  bool TooDeep(uint32_t depth) const {
    return depth > max_depth_ || depth > simdjson::DEFAULT_MAX_DEPTH;
  }

  bool Object(simdjson::ondemand::value& value, uint32_t depth, JsonNode* node) {
    simdjson::ondemand::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return false;
    return Members(object, depth, node);
  }

  bool Members(simdjson::ondemand::object& object, uint32_t depth, JsonNode* node) {
    if (TooDeep(depth)) return false;
    node->kind = JsonKind::kObject;
    const size_t first = members_.size();
    for (auto result : object) {
      simdjson::ondemand::field field;
      if (std::move(result).get(field) != simdjson::SUCCESS) return false;
      const char* name = field.key().raw();  // just after the opening quote
      simdjson::ondemand::value& child = field.value();
      // The name ends at the last quote before the colon (On-Demand checked the colon), which
      // is found from the value's start: names are short, and this needs no scan of escapes.
      const char* p = child.raw_json_token().data() - 1;
      while (IsJsonSpace(*p)) --p;
      if (*p != ':') return false;
      --p;
      while (IsJsonSpace(*p)) --p;
      if (*p != '"' || p < name) return false;
      JsonMember member;
      member.name_offset = Offset(name) - 1;
      std::string_view raw(name, static_cast<size_t>(p - name));
      if (raw.find('\\') == std::string_view::npos) {
        member.name = raw.empty() ? std::string_view("", 0) : raw;
      } else {
        std::string_view decoded;
        if (field.unescaped_key().get(decoded) != simdjson::SUCCESS) return false;
        member.name = Keep(decoded);
      }
      if (!Value(child, depth + 1, &member.value)) return false;
      members_.push_back(member);
    }
    node->members = MoveToArena(arena_, members_, first);
    return true;
  }

  bool Array(simdjson::ondemand::value& value, uint32_t depth, JsonNode* node) {
    simdjson::ondemand::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) return false;
    return Items(array, depth, node);
  }

  bool Items(simdjson::ondemand::array& array, uint32_t depth, JsonNode* node) {
    if (TooDeep(depth)) return false;
    node->kind = JsonKind::kArray;
    const size_t first = items_.size();
    for (auto result : array) {
      simdjson::ondemand::value child;
      if (std::move(result).get(child) != simdjson::SUCCESS) return false;
      JsonNode item;
      if (!Value(child, depth + 1, &item)) return false;
      items_.push_back(item);
    }
    node->items = MoveToArena(arena_, items_, first);
    return true;
  }

  // A string with escapes, as simdjson decoded it into its parser's buffer (which the next
  // document reuses), kept in the arena. Decoding never lengthens the text. Without escapes a
  // string is the arena copy's own text (simdjson has checked its UTF-8 and that it holds no
  // control characters). Anything simdjson refuses, a lone surrogate among them, is left to
  // RapidJSON, which gives the verdict and message it always gave.
  std::string_view Keep(std::string_view decoded) {
    if (decoded.empty()) return {"", 0};
    char* kept = static_cast<char*>(arena_.Allocate(decoded.size(), 1));
    std::memcpy(kept, decoded.data(), decoded.size());
    return {kept, decoded.size()};
  }

  BumpAllocator arena_;
  const char* copy_;
  uint32_t max_depth_;
  // A container's children gather here until it is complete, then move to the arena as one
  // span; kept per thread, so a document allocates no stack of its own.
  static thread_local std::vector<JsonNode> items_;
  static thread_local std::vector<JsonMember> members_;
};

thread_local std::vector<JsonNode> OnDemandBuilder::items_;
thread_local std::vector<JsonMember> OnDemandBuilder::members_;

// Documents up to this size reuse the thread's parser (creating one costs more than parsing a
// resource); a larger one gets a parser of its own, so that its buffers (about six times the
// text: structural indexes and a string buffer) are not kept for the life of the thread. The
// R4 examples are nearly all far smaller; above this the parse itself costs more than the new
// parser.
constexpr size_t kReusedParserMaxBytes = size_t{1} << 20;

bool IterateWith(simdjson::ondemand::parser& parser, const char* copy, size_t size,
                 std::pmr::memory_resource* arena, uint32_t max_depth, JsonNode* root) {
  simdjson::ondemand::document doc;
  if (parser.iterate(copy, size, size + simdjson::SIMDJSON_PADDING).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  OnDemandBuilder builder(arena, copy, max_depth);
  JsonNode tree;
  if (!builder.Build(doc, &tree)) return false;
  *root = tree;
  return true;
}

bool ParseWithSimdjson(const char* copy, size_t size, std::pmr::memory_resource* arena,
                       uint32_t max_depth, JsonNode* root) {
  if (size > kReusedParserMaxBytes) {
    simdjson::ondemand::parser own;
    return IterateWith(own, copy, size, arena, max_depth, root);
  }
  thread_local simdjson::ondemand::parser reused;
  return IterateWith(reused, copy, size, arena, max_depth, root);
}

// The arena's copy of the text: NUL-terminated for RapidJSON, with the zeroed padding simdjson
// may read past the end.
char* CopyText(std::string_view text, std::pmr::memory_resource* arena) {
  char* copy = static_cast<char*>(arena->allocate(text.size() + simdjson::SIMDJSON_PADDING, 1));
  std::memcpy(copy, text.data(), text.size());
  std::memset(copy + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return copy;
}

bool TooLarge(std::string_view text, JsonParseError* error) {
  if (text.size() < UINT32_MAX) return false;
  error->message = "document too large (4 GiB or more)";
  error->offset = 0;
  return true;
}

}  // namespace

bool ParseJsonTree(std::string_view text, std::pmr::memory_resource* arena, uint32_t max_depth,
                   JsonNode* root, JsonParseError* error) {
  if (TooLarge(text, error)) return false;
  // The copy is the tree's string storage: strings without escapes are views into it.
  char* copy = CopyText(text, arena);
  if (ParseWithSimdjson(copy, text.size(), arena, max_depth, root)) return true;
  // Refused or doubtful: RapidJSON reads it (the copy is untouched) and gives the verdict and,
  // for malformed JSON, the message and offset, as before simdjson.
  return ParseWithRapidJson(copy, text, arena, max_depth, root, error);
}

bool ParseJsonTreeWithRapidJson(std::string_view text, std::pmr::memory_resource* arena,
                                uint32_t max_depth, JsonNode* root, JsonParseError* error) {
  if (TooLarge(text, error)) return false;
  return ParseWithRapidJson(CopyText(text, arena), text, arena, max_depth, root, error);
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

bool JsonTreesIdentical(const JsonNode& a, const JsonNode& b) {
  if (a.kind != b.kind || a.offset != b.offset || a.bool_value != b.bool_value ||
      a.text != b.text || a.items.size() != b.items.size() ||
      a.members.size() != b.members.size()) {
    return false;
  }
  for (size_t i = 0; i < a.items.size(); ++i) {
    if (!JsonTreesIdentical(a.items[i], b.items[i])) return false;
  }
  for (size_t i = 0; i < a.members.size(); ++i) {
    const JsonMember& x = a.members[i];
    const JsonMember& y = b.members[i];
    if (x.name != y.name || x.name_offset != y.name_offset ||
        !JsonTreesIdentical(x.value, y.value)) {
      return false;
    }
  }
  return true;
}

std::string JsonDiff(const JsonNode& a, const JsonNode& b) {
  std::string out;
  Diff(a, b, "", &out);
  return out;
}

}  // namespace silta::formats
