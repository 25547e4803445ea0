// Small text helpers shared by modules that write text for other languages.
#pragma once

#include <string>
#include <string_view>

namespace silta {

// "&lt;script&gt;": the five characters HTML and XML give meaning to, as entity references, so
// the text is safe in element content and in quoted attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace silta
