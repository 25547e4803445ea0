#include "mapping/path.h"

#include <cctype>
#include <optional>
#include <string>

#include "base/numbers.h"

namespace silta::mapping {
namespace {

// An index written in a mapping names one of the first few items of a list; a larger one is a
// typo, and one past uint32_t would not fit.
constexpr uint32_t kMaxIndex = 1'000'000;

class PathParser {
 public:
  explicit PathParser(std::string_view text) : text_(text) {}

  StatusOr<Path> Parse() {
    Path path;
    path.text = std::string(text_);
    SkipSpace();
    if (AtEnd() || (text_ == "$")) return path;
    while (true) {
      std::string name = Identifier();
      if (name.empty()) return Error("a name");
      if (name == "where") {
        if (path.segments.empty()) return Error("a name before where()");
        SILTA_RETURN_IF_ERROR(ParseWhere(path.segments.back()));
      } else if (name == "extension" && Peek() == '(') {
        ++pos_;
        PathSegment segment;
        segment.name = "extension";
        SkipSpace();
        SILTA_ASSIGN_OR_RETURN(json::Value url, Literal());
        SkipSpace();
        if (!Consume(')')) return Error("')'");
        segment.filters.push_back({{"url"}, std::move(url), {}});
        path.segments.push_back(std::move(segment));
      } else {
        PathSegment segment;
        segment.name = std::move(name);
        path.segments.push_back(std::move(segment));
      }
      PathSegment& last = path.segments.back();
      while (Peek() == '[') {
        ++pos_;
        if (Consume(']')) {
          last.array_marker = true;
          continue;
        }
        if (Consume('+')) {
          if (!Consume(']')) return Error("']' after [+");
          last.append = true;
          continue;
        }
        size_t start = pos_;
        while (!AtEnd() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
        std::optional<uint32_t> index =
            ParseInteger<uint32_t>(text_.substr(start, pos_ - start), 0, kMaxIndex);
        if (start == pos_ || !Consume(']')) return Error("an index like [0]");
        if (!index) return Error("an index of at most " + std::to_string(kMaxIndex));
        last.index = *index;
      }
      if (AtEnd()) break;
      if (!Consume('.')) return Error("'.'");
    }
    return path;
  }

 private:
  Status ParseWhere(PathSegment& segment) {
    if (!Consume('(')) return Error("'(' after where");
    while (true) {
      SkipSpace();
      PathFilter filter;
      while (true) {
        std::string part = Identifier();
        if (part.empty()) return Error("a name in where()");
        filter.path.push_back(std::move(part));
        if (!Consume('.')) break;
      }
      SkipSpace();
      if (!Consume('=')) return Error("'=' in where()");
      SkipSpace();
      SILTA_ASSIGN_OR_RETURN(filter.value, Literal());
      segment.filters.push_back(std::move(filter));
      SkipSpace();
      if (Consume(')')) return Status::Ok();
      if (text_.substr(pos_, 4) != "and ") return Error("'and' or ')' in where()");
      pos_ += 4;
    }
  }

  StatusOr<json::Value> Literal() {
    if (Consume('\'')) {
      std::string value;
      while (!AtEnd() && text_[pos_] != '\'') {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        value += text_[pos_++];
      }
      if (!Consume('\'')) return Error("a closing quote");
      return json::Value::String(std::move(value));
    }
    std::string word = Identifier();
    if (word == "true" || word == "false") return json::Value::Bool(word == "true");
    size_t start = pos_ - word.size();
    while (!AtEnd() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
                        text_[pos_] == '.' || text_[pos_] == '-')) {
      ++pos_;
    }
    if (pos_ > start && word.empty()) {
      return json::Value::Number(std::string(text_.substr(start, pos_ - start)));
    }
    return Error("a literal ('text', true, false or a number)");
  }

  std::string Identifier() {
    size_t start = pos_;
    while (!AtEnd() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                        text_[pos_] == '_' || text_[pos_] == '-')) {
      ++pos_;
    }
    // A leading digit or '-' is a number, not a name.
    if (start < pos_ && !std::isalpha(static_cast<unsigned char>(text_[start])) &&
        text_[start] != '_') {
      pos_ = start;
      return {};
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  Status Error(std::string_view expected) const {
    return InvalidArgumentError("path \"" + std::string(text_) + "\": expected " +
                                std::string(expected) + " at position " + std::to_string(pos_));
  }

  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (!AtEnd() && text_[pos_] == ' ') ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }

  std::string_view text_;
  size_t pos_ = 0;
};

// Calls `fn` on each node a member holds: the array's items, or the value itself.
template <typename Node, typename Fn>
void ForEachValue(Node& member, Fn&& fn) {
  if (member.is_array()) {
    for (auto& item : member.items()) fn(item);
  } else if (!member.is_null()) {
    fn(member);
  }
}

bool FilterHolds(const json::Value& node, const PathFilter& filter, size_t depth) {
  if (depth == filter.path.size()) {
    return node.is_scalar() && node.kind() == filter.value.kind() &&
           node.text() == filter.value.text();
  }
  if (!node.is_object()) return false;
  const json::Value* member = node.Find(filter.path[depth]);
  if (member == nullptr) return false;
  bool holds = false;
  ForEachValue(*member,
               [&](const json::Value& v) { holds = holds || FilterHolds(v, filter, depth + 1); });
  return holds;
}

// Sets the filter's value inside a newly created node, creating the way to it.
void ApplyFilter(json::Value& node, const PathFilter& filter) {
  const std::vector<bool>& arrays = filter.is_array;
  json::Value* at = &node;
  for (size_t i = 0; i < filter.path.size(); ++i) {
    json::Value& member = (*at)[filter.path[i]];
    bool last = i + 1 == filter.path.size();
    bool array = i < arrays.size() && arrays[i];
    json::Value* target = &member;
    if (array) {
      if (member.is_null()) member = json::Value::Array();
      target = member.items().empty() ? &member.Append(json::Value()) : &member.items().front();
    }
    if (last) {
      *target = filter.value;
    } else {
      at = target;
    }
  }
}

template <typename Node>
void SelectInto(Node& context, const Path& path, size_t depth, std::vector<Node*>& out) {
  if (depth == path.segments.size()) {
    out.push_back(&context);
    return;
  }
  if (!context.is_object()) return;
  const PathSegment& segment = path.segments[depth];
  auto* member = context.Find(segment.name);
  if (member == nullptr) return;
  uint32_t position = 0;
  ForEachValue(*member, [&](Node& v) {
    if (!MatchesFilters(v, segment.filters)) return;
    if (segment.index && position++ != *segment.index) return;
    SelectInto(v, path, depth + 1, out);
  });
}

}  // namespace

StatusOr<Path> ParsePath(std::string_view text) { return PathParser(text).Parse(); }

bool MatchesFilters(const json::Value& node, const std::vector<PathFilter>& filters) {
  for (const auto& filter : filters) {
    if (!FilterHolds(node, filter, 0)) return false;
  }
  return true;
}

std::vector<const json::Value*> Select(const json::Value& context, const Path& path) {
  std::vector<const json::Value*> out;
  Select(context, path, out);
  return out;
}

void Select(const json::Value& context, const Path& path, std::vector<const json::Value*>& out) {
  out.clear();
  SelectInto<const json::Value>(context, path, 0, out);
}

std::vector<json::Value*> SelectMutable(json::Value& context, const Path& path) {
  std::vector<json::Value*> out;
  SelectInto<json::Value>(context, path, 0, out);
  return out;
}

json::Value* Create(json::Value& context, const Path& path, bool fresh) {
  size_t append_at = path.segments.size();
  bool marked = false;
  for (size_t i = 0; i < path.segments.size(); ++i) marked = marked || path.segments[i].append;
  if (fresh && !marked) {
    for (size_t i = path.segments.size(); i-- > 0;) {
      if (path.segments[i].is_array && !path.segments[i].index) {
        append_at = i;
        break;
      }
    }
  }
  json::Value* at = &context;
  for (size_t depth = 0; depth < path.segments.size(); ++depth) {
    const PathSegment& segment = path.segments[depth];
    if (!at->is_object() && !at->is_null()) return nullptr;
    json::Value& member = (*at)[segment.name];
    json::Value* next = nullptr;
    if (segment.is_array) {
      if (member.is_null()) member = json::Value::Array();
      if (!member.is_array()) return nullptr;
      bool append = segment.append || depth == append_at;
      if (!append) {
        uint32_t position = 0;
        for (auto& item : member.items()) {
          if (!MatchesFilters(item, segment.filters)) continue;
          if (!segment.index || position == *segment.index) {
            next = &item;
            break;
          }
          ++position;
        }
        // An index beyond the matching items: pad so that the requested position exists.
        while (next == nullptr && segment.index && position < *segment.index) {
          json::Value& pad = member.Append(json::Value::Object());
          for (const auto& f : segment.filters) ApplyFilter(pad, f);
          ++position;
        }
      }
      if (next == nullptr) next = &member.Append(json::Value());
    } else {
      next = &member;
    }
    if (!segment.filters.empty()) {
      if (next->is_null()) *next = json::Value::Object();
      if (!MatchesFilters(*next, segment.filters)) {
        for (const auto& f : segment.filters) ApplyFilter(*next, f);
      }
    }
    at = next;
  }
  return at;
}

}  // namespace silta::mapping
