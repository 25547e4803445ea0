// The readers: syntax (tree.cc) → decoder → whole-record checks; all or nothing.
#include <algorithm>

#include "base/numbers.h"
#include "records/decoder.h"
#include "records/records.h"

namespace silta::records {

namespace internal {

namespace {

std::string_view RefKindName(RefKind kind) {
  switch (kind) {
    case RefKind::kContact:
      return "contact";
    case RefKind::kPaymentContact:
      return "payment contact";
    case RefKind::kRelatedPerson:
      return "related person";
    case RefKind::kProfessional:
      return "professional";
    case RefKind::kCustomership:
      return "customership";
    case RefKind::kPlan:
      return "plan";
    case RefKind::kCoverage:
      return "coverage";
    case RefKind::kConsent:
      return "consent";
    case RefKind::kAssessment:
      return "assessment";
    case RefKind::kGuidance:
      return "guidance";
    case RefKind::kCommunication:
      return "communication";
    case RefKind::kClientFee:
      return "client fee";
  }
  return "?";
}

std::string_view RefKindList(RefKind kind) {
  switch (kind) {
    case RefKind::kRelatedPerson:
      return "$.relatedPersons";
    case RefKind::kProfessional:
      return "$.professionals";
    case RefKind::kCustomership:
      return "$.customerships";
    case RefKind::kPlan:
      return "$.plans";
    case RefKind::kCoverage:
      return "$.coverages";
    default:
      return "the record";
  }
}

}  // namespace

void Decoder::Error(IssueType type, const char* id, std::string message, SourceLocation location,
                    std::string path) {
  ++errors_;
  Issue issue;
  issue.severity = Severity::kError;
  issue.type = type;
  issue.message_id = id;
  issue.message = std::move(message);
  issue.expression = std::move(path);
  issue.location = location;
  issue.source = options_.source_name;
  sink_.Report(std::move(issue));
}

std::string Decoder::Path() const {
  std::string out = "$";
  for (const PathSeg& s : path_) {
    out += '.';
    out += s.name;
    if (s.index >= 0) out += "[" + std::to_string(s.index) + "]";
  }
  return out;
}

std::string_view Decoder::KindName(const RawNode& n) const {
  switch (n.kind) {
    case RawKind::kNull:
      return "null";
    case RawKind::kBool:
      return "a boolean";
    case RawKind::kNumber:
      return "a number";
    case RawKind::kString:
      return xml_ ? "text" : "a string";
    case RawKind::kArray:
      return "an array";
    case RawKind::kObject:
      return xml_ ? "child elements" : "an object";
  }
  return "?";
}

void Decoder::WrongType(const RawNode& n, std::string_view expected) {
  std::string message = "expected " + std::string(expected) + ", found " + std::string(KindName(n));
  if (n.kind == RawKind::kNumber && !path_.empty() && path_.back().name == "amount") {
    message += "; money amounts are decimal strings such as \"12.50\", never numbers";
  }
  Error(IssueType::kStructure, "RECORD_WRONG_TYPE", std::move(message), n.location);
}

bool Decoder::ReadText(const RawNode& n, std::string_view* text) {
  if (n.kind != RawKind::kString) {
    WrongType(n, xml_ ? "text" : "a string");
    return false;
  }
  *text = n.text;
  return true;
}

bool Decoder::Read(const RawNode& n, std::string* out) {
  std::string_view text;
  if (!ReadText(n, &text)) return false;
  if (!IsValidUtf8(text, nullptr) || !IsXmlCharacters(text)) {
    Error(IssueType::kValue, "RECORD_BAD_TEXT",
          "the text is not valid Unicode (for example an unpaired surrogate escape)", n.location);
    return false;
  }
  bool blank = true;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    // XML turns CR into LF and cannot carry other control characters, so neither form may.
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7F) {
      Error(IssueType::kValue, "RECORD_BAD_TEXT",
            "the text contains a control character (only tab and line feed are allowed)",
            n.location);
      return false;
    }
    if (c != ' ' && c != '\n' && c != '\t') blank = false;
  }
  if (blank) {
    Error(IssueType::kValue, "RECORD_EMPTY_VALUE",
          "the value is empty or blank; leave the field out instead", n.location);
    return false;
  }
  *out = std::string(text);
  return true;
}

bool Decoder::Read(const RawNode& n, Date* out) {
  std::string_view text;
  if (!ReadText(n, &text)) return false;
  if (!IsDate(text)) {
    Error(IssueType::kValue, "RECORD_BAD_DATE", "expected a real calendar date YYYY-MM-DD",
          n.location);
    return false;
  }
  out->value = std::string(text);
  return true;
}

bool Decoder::Read(const RawNode& n, Instant* out) {
  std::string_view text;
  if (!ReadText(n, &text)) return false;
  if (!IsInstant(text)) {
    Error(IssueType::kValue, "RECORD_BAD_INSTANT",
          "expected an RFC 3339 instant with an offset, e.g. 2024-05-02T13:45:00+03:00",
          n.location);
    return false;
  }
  out->value = std::string(text);
  return true;
}

bool Decoder::Read(const RawNode& n, bool* out) {
  if (!xml_) {
    if (n.kind != RawKind::kBool) {
      WrongType(n, "a boolean");
      return false;
    }
    *out = n.bool_value;
    return true;
  }
  std::string_view text;
  if (!ReadText(n, &text)) return false;
  if (text != "true" && text != "false") {
    Error(IssueType::kValue, "RECORD_BAD_BOOLEAN", "expected true or false", n.location);
    return false;
  }
  *out = text == "true";
  return true;
}

bool Decoder::Read(const RawNode& n, int* out) {
  std::string_view text;
  if (xml_) {
    if (!ReadText(n, &text)) return false;
  } else {
    if (n.kind != RawKind::kNumber) {
      WrongType(n, "a number");
      return false;
    }
    text = n.text;
  }
  bool ok = !text.empty() && text.size() <= 9 && (text == "0" || text[0] != '0');
  for (char c : text) ok = ok && c >= '0' && c <= '9';
  if (!ok) {
    Error(IssueType::kValue, "RECORD_BAD_INTEGER",
          "expected a non-negative integer without sign, fraction or leading zeros", n.location);
    return false;
  }
  // Nine digits at most were allowed above, so the value fits an int.
  *out = ParseInteger<int>(text).value_or(0);
  return true;
}

bool Decoder::Read(const RawNode& n, Payer* out) {
  if (n.kind == RawKind::kString) {
    if (n.text != "client") {
      Error(IssueType::kValue, "RECORD_BAD_PAYER",
            "a payer is an organisation reference or the text \"client\"", n.location);
      return false;
    }
    out->client = true;
    return true;
  }
  if (n.kind != RawKind::kObject) {
    WrongType(n, xml_ ? "child elements or the text \"client\""
                      : "an organisation reference object or the string \"client\"");
    return false;
  }
  out->client = false;
  return Read(n, &out->organisation);
}

void Decoder::DefineId(RefKind kind, const std::string& id, std::string path,
                       SourceLocation location) {
  auto [it, inserted] = ids_.try_emplace(id, IdDef{kind, path, false});
  if (!inserted) {
    // References to a duplicated id cannot be resolved; the duplicate is the one problem.
    it->second.ambiguous = true;
    Error(
        IssueType::kDuplicate, "RECORD_DUPLICATE_ID",
        "this id is already used at " + it->second.path + "; ids must be unique within the record",
        location, std::move(path));
  }
}

void Decoder::UseRef(RefKind target, bool client_allowed, const std::string& id, std::string path,
                     SourceLocation location) {
  if (client_allowed && id == "client") return;
  refs_.push_back({target, client_allowed, id, std::move(path), location});
}

void Decoder::ResolveRefs() {
  for (const RefUse& ref : refs_) {
    auto it = ids_.find(ref.id);
    std::string want(RefKindName(ref.target));
    if (it != ids_.end() && it->second.ambiguous) continue;
    if (it == ids_.end()) {
      Error(IssueType::kNotFound, "RECORD_DANGLING_REFERENCE",
            "no " + want + " with this id in " + std::string(RefKindList(ref.target)) +
                (ref.client_allowed ? " (and it is not \"client\")" : ""),
            ref.location, ref.path);
    } else if (it->second.kind != ref.target) {
      Error(IssueType::kValue, "RECORD_REFERENCE_KIND",
            "this id names a " + std::string(RefKindName(it->second.kind)) + " (" +
                it->second.path + "), but a " + want + " is expected here",
            ref.location, ref.path);
    }
  }
}

void Decoder::DecodeRecord(const RawNode& root, ClientRecord* record) {
  Read(root, record);
  ResolveRefs();
}

void ObjectReader::ReportUnknown() {
  for (size_t i = 0; i < used_.size(); ++i) {
    if (used_[i]) continue;
    const RawMember& m = node_.members[i];
    d_.Push(m.name);
    d_.Error(IssueType::kStructure, "RECORD_UNKNOWN_FIELD",
             "unknown field '" + std::string(m.name.substr(0, 64)) + "'", m.location);
    d_.Pop();
  }
}

SourceLocation ObjectReader::At(std::string_view field, int index) const {
  const RawNode* node = &node_;
  std::string_view rest = field;
  while (!rest.empty()) {
    size_t dot = rest.find('.');
    std::string_view name = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    const RawMember* m = node->Find(name);
    if (m == nullptr) return node->location;
    const RawNode* value = &m->values[0];
    if (rest.empty() && index >= 0) {
      auto i = static_cast<size_t>(index);
      if (d_.xml()) return i < m->values.size() ? m->values[i].location : m->location;
      return value->kind == RawKind::kArray && i < value->items.size() ? value->items[i].location
                                                                       : value->location;
    }
    node = value;
  }
  return node->location;
}

std::string ObjectReader::PathOf(std::string_view field, int index) const {
  std::string path = d_.Path();
  if (!field.empty()) {
    path += '.';
    path += field;
  }
  if (index >= 0) path += "[" + std::to_string(index) + "]";
  return path;
}

}  // namespace internal

namespace {

using internal::Decoder;
using internal::RawDocument;
using internal::SyntaxProblem;

void ReportSyntax(const std::vector<SyntaxProblem>& problems, const ReadOptions& options,
                  IssueSink& sink, uint32_t line_offset) {
  for (const SyntaxProblem& p : problems) {
    Issue issue;
    issue.severity = Severity::kError;
    issue.type = p.type;
    issue.message_id = p.message_id;
    issue.message = p.message;
    issue.expression = p.path;
    issue.location = p.location;
    if (issue.location.known()) issue.location.line += line_offset;
    issue.source = options.source_name;
    sink.Report(std::move(issue));
  }
}

// Shifts the line of every issue by the line the NDJSON record starts on.
class LineShiftingSink : public IssueSink {
 public:
  LineShiftingSink(IssueSink& inner, uint32_t offset) : inner_(inner), offset_(offset) {}
  void Report(Issue issue) override {
    if (issue.location.known()) issue.location.line += offset_;
    inner_.Report(std::move(issue));
  }

 private:
  IssueSink& inner_;
  uint32_t offset_;
};

std::optional<ClientRecord> ReadWith(std::string_view text, bool xml, IssueSink& sink,
                                     const ReadOptions& options) {
  LineIndex lines(text);
  RawDocument doc;
  std::vector<SyntaxProblem> problems;
  bool parsed = xml ? internal::ParseXmlRaw(text, options.max_depth, lines, &doc, &problems)
                    : internal::ParseJsonRaw(text, options.max_depth, lines, &doc, &problems);
  ReportSyntax(problems, options, sink, 0);
  if (!parsed) return std::nullopt;
  Decoder decoder(sink, options, xml);
  ClientRecord record;
  decoder.DecodeRecord(doc.root, &record);
  if (!problems.empty() || decoder.error_count() > 0) return std::nullopt;
  return record;
}

}  // namespace

std::optional<ClientRecord> ReadJson(std::string_view text, IssueSink& sink,
                                     const ReadOptions& options) {
  return ReadWith(text, false, sink, options);
}

std::optional<ClientRecord> ReadXml(std::string_view text, IssueSink& sink,
                                    const ReadOptions& options) {
  return ReadWith(text, true, sink, options);
}

std::optional<ClientRecord> Read(std::string_view text, Format format, IssueSink& sink,
                                 const ReadOptions& options) {
  return format == Format::kXml ? ReadXml(text, sink, options) : ReadJson(text, sink, options);
}

std::vector<NdjsonEntry> ReadNdjson(std::string_view text, IssueSink& sink,
                                    const ReadOptions& options) {
  std::vector<NdjsonEntry> entries;
  uint32_t line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view content = text.substr(pos, end - pos);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    ++line;
    pos = end + 1;
    if (content.find_first_not_of(" \t") == std::string_view::npos) continue;
    LineShiftingSink shifted(sink, line - 1);
    entries.push_back({line, ReadJson(content, shifted, options)});
  }
  return entries;
}

bool Validate(const ClientRecord& record, IssueSink& sink) {
  // The readers hold every rule; running one over the canonical JSON applies them all to a
  // record built in code. Locations would point into that temporary text, so they are dropped.
  class NoLocationSink : public IssueSink {
   public:
    explicit NoLocationSink(IssueSink& inner) : inner_(inner) {}
    void Report(Issue issue) override {
      issue.location = {};
      inner_.Report(std::move(issue));
      ++errors;
    }
    size_t errors = 0;

   private:
    IssueSink& inner_;
  } strip(sink);
  ReadJson(WriteJson(record, {.pretty = false}), strip);
  return strip.errors == 0;
}

}  // namespace silta::records
