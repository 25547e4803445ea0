// String functions: indexOf, lastIndexOf, substring, startsWith, endsWith, contains, upper,
// lower, replace, matches, matchesFull, replaceMatches, length, toChars, trim, split, join,
// encode, decode, escape, unescape. Positions count characters (code points), not bytes.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>

#include "base/text.h"
#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

// --- Regex ---

std::optional<std::shared_ptr<const Regex>> Regex::Compile(std::string_view pattern,
                                                           std::string* error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* compiled =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_DOTALL | PCRE2_MATCH_INVALID_UTF, &code, &offset, nullptr);
  if (compiled == nullptr) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(code, buffer, sizeof buffer);
    *error =
        std::string(reinterpret_cast<const char*>(buffer)) + " at offset " + std::to_string(offset);
    return std::nullopt;
  }
  pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);
  std::shared_ptr<Regex> regex(new Regex());
  regex->code_ = compiled;
  regex->empty_pattern_ = pattern.empty();
  return std::shared_ptr<const Regex>(std::move(regex));
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

std::optional<bool> Regex::Search(std::string_view subject, bool whole) const {
  auto* code = static_cast<pcre2_code*>(code_);
  // Only whether it matches is asked, so one pair of offsets is enough whatever the pattern's
  // groups, and one block per thread serves every match.
  struct MatchData {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~MatchData() { pcre2_match_data_free(data); }
  };
  thread_local MatchData md;
  if (md.data == nullptr) return std::nullopt;
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                       whole ? (PCRE2_ANCHORED | PCRE2_ENDANCHORED) : 0, md.data, nullptr);
  if (rc >= 0) return true;
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  return std::nullopt;
}

std::optional<std::string> Regex::Replace(std::string_view subject, std::string_view replacement,
                                          std::string* error) const {
  auto* code = static_cast<pcre2_code*>(code_);
  std::string out(subject.size() + replacement.size() * 4 + 64, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    PCRE2_SIZE length = out.size();
    int rc =
        pcre2_substitute(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                         PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, nullptr,
                         nullptr, reinterpret_cast<PCRE2_SPTR>(replacement.data()),
                         replacement.size(), reinterpret_cast<PCRE2_UCHAR*>(out.data()), &length);
    if (rc >= 0) {
      out.resize(length);
      return out;
    }
    if (rc == PCRE2_ERROR_NOMEMORY) {
      if (length > kMaxComputedTextBytes) break;
      out.resize(length + 1);
      continue;
    }
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(rc, buffer, sizeof buffer);
    *error = reinterpret_cast<const char*>(buffer);
    return std::nullopt;
  }
  *error = std::string(kTextTooLong);
  return std::nullopt;
}

namespace {

// --- UTF-8 positions ---

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += !IsContinuation(c);
  return n;
}

// Byte offset of character `index` (s.size() if past the end).
size_t ByteOffset(std::string_view s, size_t index) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsContinuation(s[i])) continue;
    if (chars == index) return i;
    ++chars;
  }
  return s.size();
}

int64_t CharIndex(std::string_view s, size_t byte_offset) {
  return static_cast<int64_t>(CharCount(s.substr(0, byte_offset)));
}

// --- functions ---

bool IndexOf(Call& c) {
  std::optional<std::string_view> s, sub;
  if (!c.FocusString(&s) || !c.StringArg(0, &sub)) return false;
  if (!s || !sub) return true;
  size_t at = s->find(*sub);
  c.Push(Value::Integer(at == std::string_view::npos ? -1 : CharIndex(*s, at)));
  return true;
}

bool LastIndexOf(Call& c) {
  std::optional<std::string_view> s, sub;
  if (!c.FocusString(&s) || !c.StringArg(0, &sub)) return false;
  if (!s || !sub) return true;
  size_t at = s->rfind(*sub);
  c.Push(Value::Integer(at == std::string_view::npos ? -1 : CharIndex(*s, at)));
  return true;
}

bool Substring(Call& c) {
  std::optional<std::string_view> s;
  std::optional<int64_t> start, length;
  if (!c.FocusString(&s) || !c.IntegerArg(0, &start)) return false;
  if (c.argc() > 1 && !c.IntegerArg(1, &length)) return false;
  if (!s || !start) return true;
  int64_t chars = static_cast<int64_t>(CharCount(*s));
  if (*start < 0 || *start >= chars) return true;
  int64_t end = chars;
  if (c.argc() > 1 && length) end = std::min(chars, *start + std::max<int64_t>(*length, 0));
  size_t from = ByteOffset(*s, static_cast<size_t>(*start));
  size_t to = ByteOffset(*s, static_cast<size_t>(end));
  c.Push(Value::String(s->substr(from, to - from)));
  return true;
}

template <int kWhere>  // 0 starts, 1 ends, 2 contains
bool Affix(Call& c) {
  std::optional<std::string_view> s, part;
  if (!c.FocusString(&s) || !c.StringArg(0, &part)) return false;
  if (!s || !part) return true;
  bool r = kWhere == 0 ? s->substr(0, part->size()) == *part
           : kWhere == 1
               ? (s->size() >= part->size() && s->substr(s->size() - part->size()) == *part)
               : s->find(*part) != std::string_view::npos;
  c.Push(Value::Boolean(r));
  return true;
}

template <bool kUpper>
bool ChangeCase(Call& c) {
  std::optional<std::string_view> s;
  if (!c.FocusString(&s)) return false;
  if (!s) return true;
  std::string out(*s);
  for (char& ch : out) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x80) ch = static_cast<char>(kUpper ? std::toupper(u) : std::tolower(u));
  }
  return c.PushString(out);
}

bool Replace(Call& c) {
  std::optional<std::string_view> s, pattern, substitution;
  if (!c.FocusString(&s) || !c.StringArg(0, &pattern) || !c.StringArg(1, &substitution)) {
    return false;
  }
  if (!s || !pattern || !substitution) return true;
  std::string out;
  if (pattern->empty()) {  // between every character
    out += *substitution;
    for (size_t i = 0; i < s->size(); ++i) {
      out += (*s)[i];
      if (i + 1 == s->size() || !IsContinuation((*s)[i + 1])) out += *substitution;
      if (out.size() > kMaxComputedTextBytes) return c.Fail(kTextTooLong);
    }
  } else {
    size_t pos = 0;
    for (;;) {
      size_t at = s->find(*pattern, pos);
      if (at == std::string_view::npos) break;
      out += s->substr(pos, at - pos);
      out += *substitution;
      if (out.size() > kMaxComputedTextBytes) return c.Fail(kTextTooLong);
      pos = at + pattern->size();
    }
    out += s->substr(pos);
  }
  return c.PushString(out);
}

// The compiled pattern: the literal one from compile time, or compiled now.
bool PatternOf(Call& c, std::shared_ptr<const Regex>* regex, bool* empty) {
  *empty = false;
  if (c.node.regex) {
    *regex = c.node.regex;
    return true;
  }
  std::optional<std::string_view> pattern;
  if (!c.StringArg(0, &pattern)) return false;
  if (!pattern) {
    *empty = true;
    return true;
  }
  std::string error;
  auto compiled = Regex::Compile(*pattern, &error);
  if (!compiled) return c.Fail("invalid regular expression: " + error);
  *regex = *compiled;
  return true;
}

template <bool kWhole>
bool Matches(Call& c) {
  std::optional<std::string_view> s;
  if (!c.FocusString(&s)) return false;
  std::shared_ptr<const Regex> regex;
  bool empty;
  if (!PatternOf(c, &regex, &empty)) return false;
  if (!s || empty) return true;
  std::optional<bool> r = regex->Search(*s, kWhole);
  if (!r) return c.Fail("regular expression matching failed");
  c.Push(Value::Boolean(*r));
  return true;
}

bool ReplaceMatches(Call& c) {
  std::optional<std::string_view> s, substitution;
  if (!c.FocusString(&s)) return false;
  std::shared_ptr<const Regex> regex;
  bool empty;
  if (!PatternOf(c, &regex, &empty) || !c.StringArg(1, &substitution)) return false;
  if (!s || empty || !substitution) return true;
  if (regex->matches_empty_only()) {  // an empty pattern replaces nothing
    c.Push(Value::String(*s));
    return true;
  }
  std::string error;
  std::optional<std::string> r = regex->Replace(*s, *substitution, &error);
  if (!r) return c.Fail("replaceMatches(): " + error);
  return c.PushString(*r);
}

bool Length(Call& c) {
  std::optional<std::string_view> s;
  if (!c.FocusString(&s)) return false;
  if (s) c.Push(Value::Integer(static_cast<int64_t>(CharCount(*s))));
  return true;
}

bool ToChars(Call& c) {
  std::optional<std::string_view> s;
  if (!c.FocusString(&s)) return false;
  if (!s) return true;
  for (size_t i = 0; i < s->size();) {
    size_t j = i + 1;
    while (j < s->size() && IsContinuation((*s)[j])) ++j;
    c.Push(Value::String(s->substr(i, j - i)));
    i = j;
  }
  return true;
}

bool Trim(Call& c) {
  std::optional<std::string_view> s;
  if (!c.FocusString(&s)) return false;
  if (!s) return true;
  std::string_view t = *s;
  auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
  while (!t.empty() && space(t.front())) t.remove_prefix(1);
  while (!t.empty() && space(t.back())) t.remove_suffix(1);
  c.Push(Value::String(t));
  return true;
}

bool Split(Call& c) {
  std::optional<std::string_view> s, sep;
  if (!c.FocusString(&s) || !c.StringArg(0, &sep)) return false;
  if (!s || !sep) return true;
  if (sep->empty()) {
    return ToChars(c);
  }
  size_t pos = 0;
  for (;;) {
    size_t at = s->find(*sep, pos);
    if (at == std::string_view::npos) {
      c.Push(Value::String(s->substr(pos)));
      return true;
    }
    c.Push(Value::String(s->substr(pos, at - pos)));
    pos = at + sep->size();
  }
}

bool Join(Call& c) {
  std::optional<std::string_view> sep = std::string_view();
  if (c.argc() > 0 && !c.StringArg(0, &sep)) return false;
  std::string out;
  for (size_t i = 0; i < c.focus.size(); ++i) {
    std::optional<Value> v = ToSystemValue(c.focus[i]);
    if (!v || v->type() != ValueType::kString) return c.Fail("join() needs String items");
    if (i > 0 && sep) out += *sep;
    out += v->string();
    if (out.size() > kMaxComputedTextBytes) return c.Fail(kTextTooLong);
  }
  return c.PushString(out);
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in, bool url) {
  std::string out;
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kBase64[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = at(i) << 16;
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (at(i) << 16) | (at(i + 1) << 8);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += '=';
  }
  if (url) {
    for (char& ch : out) {
      if (ch == '+') ch = '-';
      if (ch == '/') ch = '_';
    }
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') {
      v = ch - 'A';
    } else if (ch >= 'a' && ch <= 'z') {
      v = ch - 'a' + 26;
    } else if (ch >= '0' && ch <= '9') {
      v = ch - '0' + 52;
    } else if (ch == '+' || ch == '-') {
      v = 62;
    } else if (ch == '/' || ch == '_') {
      v = 63;
    } else if (ch == '=') {
      break;
    } else {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

bool Encode(Call& c) {
  std::optional<std::string_view> s, format;
  if (!c.FocusString(&s) || !c.StringArg(0, &format)) return false;
  if (!s || !format) return true;
  if (*format == "base64" || *format == "urlbase64") {
    if (!c.PushString(Base64Encode(*s, *format == "urlbase64"))) return false;
  } else if (*format == "hex") {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (char ch : *s) {
      out += kHex[(static_cast<unsigned char>(ch) >> 4) & 15];
      out += kHex[static_cast<unsigned char>(ch) & 15];
    }
    if (!c.PushString(out)) return false;
  } else {
    return c.Fail("encode(): unknown format '" + std::string(*format) + "'");
  }
  return true;
}

bool Decode(Call& c) {
  std::optional<std::string_view> s, format;
  if (!c.FocusString(&s) || !c.StringArg(0, &format)) return false;
  if (!s || !format) return true;
  if (*format == "base64" || *format == "urlbase64") {
    auto r = Base64Decode(*s);
    if (r && !c.PushString(*r)) return false;
  } else if (*format == "hex") {
    if (s->size() % 2 != 0) return true;
    std::string out;
    for (size_t i = 0; i < s->size(); i += 2) {
      auto hex = [](char ch) {
        if (ch >= '0' && ch <= '9') return ch - '0';
        if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
        return -1;
      };
      int hi = hex((*s)[i]), lo = hex((*s)[i + 1]);
      if (hi < 0 || lo < 0) return true;
      out += static_cast<char>(hi * 16 + lo);
    }
    if (!c.PushString(out)) return false;
  } else {
    return c.Fail("decode(): unknown format '" + std::string(*format) + "'");
  }
  return true;
}

bool Escape(Call& c) {
  std::optional<std::string_view> s, format;
  if (!c.FocusString(&s) || !c.StringArg(0, &format)) return false;
  if (!s || !format) return true;
  std::string out;
  if (*format == "html") {
    out = HtmlEscape(*s);
  } else if (*format == "json") {
    for (char ch : *s) {
      switch (ch) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += ch;
      }
    }
  } else {
    return c.Fail("escape(): unknown format '" + std::string(*format) + "'");
  }
  return c.PushString(out);
}

bool Unescape(Call& c) {
  std::optional<std::string_view> s, format;
  if (!c.FocusString(&s) || !c.StringArg(0, &format)) return false;
  if (!s || !format) return true;
  std::string out;
  std::string_view t = *s;
  if (*format == "html") {
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&lt;", '<'},   {"&gt;", '>'},   {"&amp;", '&'},
        {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}};
    for (size_t i = 0; i < t.size();) {
      bool done = false;
      if (t[i] == '&') {
        for (const auto& [entity, ch] : kEntities) {
          if (t.substr(i, entity.size()) == entity) {
            out += ch;
            i += entity.size();
            done = true;
            break;
          }
        }
      }
      if (!done) out += t[i++];
    }
  } else if (*format == "json") {
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '\\' && i + 1 < t.size()) {
        char e = t[++i];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      } else {
        out += t[i];
      }
    }
  } else {
    return c.Fail("unescape(): unknown format '" + std::string(*format) + "'");
  }
  return c.PushString(out);
}

}  // namespace

void RegisterStringFunctions(FunctionRegistry& r) {
  r.Add({"indexOf", 1, 1, IndexOf});
  r.Add({"lastIndexOf", 1, 1, LastIndexOf});
  r.Add({"substring", 1, 2, Substring});
  r.Add({"startsWith", 1, 1, Affix<0>});
  r.Add({"endsWith", 1, 1, Affix<1>});
  r.Add({"contains", 1, 1, Affix<2>});
  r.Add({"upper", 0, 0, ChangeCase<true>});
  r.Add({"lower", 0, 0, ChangeCase<false>});
  r.Add({"replace", 2, 2, Replace});
  r.Add({"matches", 1, 1, Matches<false>, kRegexArgument});
  r.Add({"matchesFull", 1, 1, Matches<true>, kRegexArgument});
  r.Add({"replaceMatches", 2, 2, ReplaceMatches, kRegexArgument});
  r.Add({"length", 0, 0, Length});
  r.Add({"toChars", 0, 0, ToChars});
  r.Add({"trim", 0, 0, Trim});
  r.Add({"split", 1, 1, Split});
  r.Add({"join", 0, 1, Join});
  r.Add({"encode", 1, 1, Encode});
  r.Add({"decode", 1, 1, Decode});
  r.Add({"escape", 1, 1, Escape});
  r.Add({"unescape", 1, 1, Unescape});
}

}  // namespace silta::fhirpath::internal
