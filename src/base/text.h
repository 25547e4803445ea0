// Small text helpers shared by modules that write text for other languages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace silta {

// "&lt;script&gt;": the five characters HTML and XML give meaning to, as entity references, so
// the text is safe in element content and in quoted attribute values.
std::string HtmlEscape(std::string_view text);

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. `bad_offset`
// (optional) receives the offset of the first byte that is not.
bool IsValidUtf8(std::string_view s, size_t* bad_offset = nullptr);

// The offset of the first control character other than tab, line feed and carriage return
// (what FHIR strings and XML 1.0 cannot carry), or npos.
size_t FindControlCharacter(std::string_view s);

// The last segment of a dotted element path ("Patient.name.given" → "given"; the path itself
// when it has no dot), and the path before it ("Patient.name"; empty when it has no dot).
std::string_view LastPathSegment(std::string_view path);
std::string_view ParentPath(std::string_view path);

}  // namespace silta
