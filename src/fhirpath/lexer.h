// Tokens of the FHIRPath grammar.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace silta::fhirpath::internal {

enum class TokenKind : uint8_t {
  kEnd,
  kIdentifier,           // plain: keywords are identifiers the parser recognises
  kDelimitedIdentifier,  // `...`
  kString,               // '...' (text is unescaped)
  kNumber,               // 12, 1.5
  kDate,                 // @2015-02-04 (text without '@')
  kDateTime,             // @2015-02-04T14:34 (text without '@')
  kTime,                 // @T14:34 (text without "@T")
  kVariable,             // %name, %`name`, %'name' (text is the name)
  kSpecial,              // $this, $index, $total (text without '$')
  kPunct,                // ( ) [ ] { } . , + - * / & | = != ~ !~ < > <= >=
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  uint32_t pos = 0;
};

// Splits `expression` into tokens; comments and whitespace are dropped. Errors carry the
// line:column of the offending character.
StatusOr<std::vector<Token>> Tokenize(std::string_view expression);

// "line:column" (1-based) of a byte offset.
std::string PositionText(std::string_view expression, uint32_t pos);

}  // namespace silta::fhirpath::internal
