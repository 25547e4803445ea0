// Facade of the records module: the client record of docs/client-record-contract.md as a typed
// model (records/model.h), strict readers and canonical writers for JSON, NDJSON and XML, and
// the contract's equality.
//
//   IssueCollector issues;
//   std::optional<ClientRecord> record = ReadJson(text, issues, {.source_name = "a.json"});
//   if (!record) ...   // issues holds every problem: path ($.customerships[2].payer),
//                      // line/column, a stable message_id and an English message
//   std::string xml = WriteXml(*record);
//
// Reading is all or nothing: any error-severity problem and the reader returns nullopt after
// reporting every problem it found in one pass. Messages never quote values from the record,
// so issues may be logged.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "records/model.h"

namespace silta::records {

enum class Format { kJson, kXml };

inline constexpr std::string_view kXmlNamespace = "urn:silta:client-record:1";

struct ReadOptions {
  std::string source_name;  // copied into every issue
  uint32_t max_depth = 64;  // the contract nests far less; deeper input is rejected
};

std::optional<ClientRecord> ReadJson(std::string_view text, IssueSink& sink,
                                     const ReadOptions& options = {});
std::optional<ClientRecord> ReadXml(std::string_view text, IssueSink& sink,
                                    const ReadOptions& options = {});
std::optional<ClientRecord> Read(std::string_view text, Format format, IssueSink& sink,
                                 const ReadOptions& options = {});

// NDJSON: one record per line; blank lines are skipped. Each line is read on its own (a bad
// line rejects only its record) and issues carry the line number in the whole text.
struct NdjsonEntry {
  uint32_t line = 0;  // 1-based
  std::optional<ClientRecord> record;
};
std::vector<NdjsonEntry> ReadNdjson(std::string_view text, IssueSink& sink,
                                    const ReadOptions& options = {});

// Checks a record built in code against the same rules the readers apply (paths, no line
// numbers). True when there is no error.
bool Validate(const ClientRecord& record, IssueSink& sink);

// Canonical output: fields in contract order, absent and empty fields omitted, array elements
// in model order. Reading the output gives back an equal model (operator==).
struct WriteOptions {
  bool pretty = true;
};
std::string WriteJson(const ClientRecord& record, const WriteOptions& options = {});

// The canonical JSON of a record as a stream of events, for building an in-memory JSON form
// (the mapping engine's) without writing and re-reading text. WriteJson writes these events.
class JsonEvents {
 public:
  virtual ~JsonEvents() = default;
  virtual void StartObject() = 0;
  virtual void Key(std::string_view name) = 0;
  virtual void EndObject() = 0;
  virtual void StartArray() = 0;
  virtual void EndArray() = 0;
  virtual void String(std::string_view text) = 0;
  virtual void Number(std::string_view text) = 0;
  virtual void Bool(bool value) = 0;
};
void EmitJson(const ClientRecord& record, JsonEvents& events);
std::string WriteNdjson(std::span<const ClientRecord> records);
std::string WriteXml(const ClientRecord& record, const WriteOptions& options = {});
std::string Write(const ClientRecord& record, Format format, const WriteOptions& options = {});

// The contract's fields as data, for tools that check paths against the contract (the mapping
// check, the coverage table). Built from the field lists the reader and the writers walk
// (fields.h), so it cannot list a field they do not know.
enum class FieldType : uint8_t {
  kString,
  kBoolean,
  kInteger,
  kDate,
  kInstant,
  kCode,    // a contract enumeration: `codes` lists its codes
  kObject,  // a part: `fields` lists its fields
  kPayer,   // "client", or an organisation (`fields` are those of an organisation reference)
};
struct FieldInfo {
  std::string name;
  FieldType type = FieldType::kString;
  bool array = false;
  bool required = false;
  std::vector<std::string_view> codes;
  std::vector<FieldInfo> fields;
  const FieldInfo* Find(std::string_view field) const;
};
// The fields of the record root, in contract order.
const std::vector<FieldInfo>& ContractFields();
std::string_view FieldTypeName(FieldType type);  // "string", "object"...

// The contract's equality: field for field, every array unordered except given names and
// address lines.
bool RecordsEqual(const ClientRecord& a, const ClientRecord& b);
// A canonical text of the record under that equality (unordered arrays sorted); equal records
// give equal texts. Useful for diffs in tests.
std::string EqualityKey(const ClientRecord& record);

}  // namespace silta::records
