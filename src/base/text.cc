#include "base/text.h"

#include <cstdint>
#include <cstring>

namespace silta {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;

uint64_t Load8(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, 8);
  return word;
}

// Nearly all FHIR and record text is ASCII: a whole value checked eight bytes at a time (the
// last word may overlap the one before it).
bool IsAscii(std::string_view s) {
  size_t n = s.size();
  uint64_t seen = 0;
  if (n >= 8) {
    for (size_t i = 0; i + 8 <= n; i += 8) seen |= Load8(s.data() + i);
    seen |= Load8(s.data() + n - 8);
  } else {
    for (char c : s) seen |= static_cast<unsigned char>(c);
  }
  return (seen & kHighBits) == 0;
}

bool IsControl(char c) {
  return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

}  // namespace

size_t FindControlCharacter(std::string_view s) {
  size_t n = s.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word = Load8(s.data() + i);
    // Some byte is below 0x20 exactly when this is non-zero ("hasless" of Bit Twiddling Hacks).
    if (((word - 0x2020202020202020ull) & ~word & kHighBits) == 0) continue;
    for (size_t k = i; k < i + 8; ++k) {
      if (IsControl(s[k])) return k;
    }
  }
  for (; i < n; ++i) {
    if (IsControl(s[i])) return i;
  }
  return std::string_view::npos;
}

bool IsValidUtf8(std::string_view s, size_t* bad_offset) {
  if (IsAscii(s)) return true;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  size_t i = 0;
  auto bad = [&] {
    if (bad_offset != nullptr) *bad_offset = i;
    return false;
  };
  while (i < n) {
    while (i + 8 <= n && (Load8(s.data() + i) & kHighBits) == 0) i += 8;
    if (i >= n) break;
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > n) return bad();
    uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return bad();
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return bad();
    i += len;
  }
  return true;
}

std::string_view LastPathSegment(std::string_view path) {
  size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

std::string_view ParentPath(std::string_view path) {
  size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
}

}  // namespace silta
