#include "fhirpath/lexer.h"

namespace silta::fhirpath::internal {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  StatusOr<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    for (;;) {
      Status s = SkipSpaceAndComments();
      if (!s.ok()) return s;
      Token t;
      t.pos = static_cast<uint32_t>(pos_);
      if (pos_ >= text_.size()) {
        tokens.push_back(std::move(t));
        return tokens;
      }
      s = Next(&t);
      if (!s.ok()) return s;
      tokens.push_back(std::move(t));
    }
  }

 private:
  Status Error(size_t at, std::string_view message) {
    return InvalidArgumentError("syntax error at " +
                                PositionText(text_, static_cast<uint32_t>(at)) + ": " +
                                std::string(message));
  }

  Status SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return Error(pos_, "unterminated comment");
        pos_ = end + 2;
      } else {
        break;
      }
    }
    return Status::Ok();
  }

  // Reads a quoted body after the opening quote; handles the FHIRPath escapes.
  Status Quoted(char quote, std::string* out) {
    size_t start = pos_ - 1;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == quote) return Status::Ok();
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case '\'':
        case '"':
        case '`':
        case '\\':
        case '/':
          *out += e;
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return Error(pos_ - 2, "bad \\u escape");
          uint32_t cp = 0;
          for (int i = 0; i < 4; ++i) {
            char h = text_[pos_++];
            cp <<= 4;
            if (IsDigit(h)) {
              cp |= static_cast<uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
              cp |= static_cast<uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
              cp |= static_cast<uint32_t>(h - 'A' + 10);
            } else {
              return Error(pos_ - 1, "bad \\u escape");
            }
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return Error(pos_ - 2, std::string("unknown escape \\") + e);
      }
    }
    return Error(start, "unterminated quoted text");
  }

  void Digits() {
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
  }
  bool Match(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // Exactly n digits.
  bool DigitsN(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      if (pos_ + i >= text_.size() || !IsDigit(text_[pos_ + i])) return false;
    }
    pos_ += n;
    return true;
  }

  // hh[:mm[:ss[.fff]]] after the 'T'.
  void TimePart() {
    if (!DigitsN(2)) return;
    size_t save = pos_;
    if (Match(':') && DigitsN(2)) {
      save = pos_;
      if (Match(':') && DigitsN(2)) {
        save = pos_;
        if (Match('.') && pos_ < text_.size() && IsDigit(text_[pos_])) {
          Digits();
          save = pos_;
        }
      }
    }
    pos_ = save;
  }

  Status DateTimeLiteral(Token* t) {
    size_t start = pos_;  // after '@'
    if (Match('T')) {
      TimePart();
      if (pos_ == start + 1) return Error(start - 1, "bad time literal");
      t->kind = TokenKind::kTime;
      t->text = std::string(text_.substr(start + 1, pos_ - start - 1));
      return Status::Ok();
    }
    if (!DigitsN(4)) return Error(start - 1, "bad date literal");
    t->kind = TokenKind::kDate;
    size_t save = pos_;
    if (Match('-') && DigitsN(2)) {
      save = pos_;
      if (Match('-') && DigitsN(2)) save = pos_;
    }
    pos_ = save;
    if (Match('T')) {
      t->kind = TokenKind::kDateTime;
      TimePart();
      // Zone only after a time.
      if (pos_ > 0 && text_[pos_ - 1] != 'T') {
        if (Match('Z')) {
        } else if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
          size_t z = pos_;
          ++pos_;
          if (!(DigitsN(2) && Match(':') && DigitsN(2))) pos_ = z;
        }
      }
    }
    t->text = std::string(text_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Status Next(Token* t) {
    char c = text_[pos_];
    if (IsIdentStart(c)) {
      size_t start = pos_;
      while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
      t->kind = TokenKind::kIdentifier;
      t->text = std::string(text_.substr(start, pos_ - start));
      return Status::Ok();
    }
    if (IsDigit(c)) {
      size_t start = pos_;
      Digits();
      if (pos_ + 1 < text_.size() && text_[pos_] == '.' && IsDigit(text_[pos_ + 1])) {
        ++pos_;
        Digits();
      }
      t->kind = TokenKind::kNumber;
      t->text = std::string(text_.substr(start, pos_ - start));
      return Status::Ok();
    }
    ++pos_;
    switch (c) {
      case '\'':
        t->kind = TokenKind::kString;
        return Quoted('\'', &t->text);
      case '`':
        t->kind = TokenKind::kDelimitedIdentifier;
        return Quoted('`', &t->text);
      case '@':
        return DateTimeLiteral(t);
      case '%': {
        t->kind = TokenKind::kVariable;
        if (Match('`')) return Quoted('`', &t->text);
        if (Match('\'')) return Quoted('\'', &t->text);
        size_t start = pos_;
        // Environment names may contain '-' (%vs-administrative-gender).
        while (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '-')) ++pos_;
        if (pos_ == start) return Error(start - 1, "'%' must be followed by a name");
        t->text = std::string(text_.substr(start, pos_ - start));
        return Status::Ok();
      }
      case '$': {
        size_t start = pos_;
        while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
        t->kind = TokenKind::kSpecial;
        t->text = std::string(text_.substr(start, pos_ - start));
        if (t->text != "this" && t->text != "index" && t->text != "total") {
          return Error(start - 1, "unknown special variable $" + t->text);
        }
        return Status::Ok();
      }
      case '!':
        if (Match('=')) {
          t->kind = TokenKind::kPunct;
          t->text = "!=";
          return Status::Ok();
        }
        if (Match('~')) {
          t->kind = TokenKind::kPunct;
          t->text = "!~";
          return Status::Ok();
        }
        return Error(pos_ - 1, "unexpected '!'");
      case '<':
      case '>':
        t->kind = TokenKind::kPunct;
        t->text = c;
        if (Match('=')) t->text += '=';
        return Status::Ok();
      case '(':
      case ')':
      case '[':
      case ']':
      case '{':
      case '}':
      case '.':
      case ',':
      case '+':
      case '-':
      case '*':
      case '/':
      case '&':
      case '|':
      case '=':
      case '~':
        t->kind = TokenKind::kPunct;
        t->text = c;
        return Status::Ok();
      default:
        return Error(pos_ - 1, std::string("unexpected character '") + c + "'");
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

StatusOr<std::vector<Token>> Tokenize(std::string_view expression) {
  return Lexer(expression).Run();
}

std::string PositionText(std::string_view expression, uint32_t pos) {
  uint32_t line = 1, column = 1;
  for (uint32_t i = 0; i < pos && i < expression.size(); ++i) {
    if (expression[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace silta::fhirpath::internal
