// The schema-driven decoder: walks the field lists of fields.h over a RawNode tree, reports
// every problem with its path and location, and collects ids and references for the
// whole-record checks. Internal to the records module.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "records/fields.h"
#include "records/records.h"
#include "records/tree.h"

namespace silta::records::internal {

// What an id names; references say which kind they must point at.
enum class RefKind : uint8_t {
  kContact,
  kPaymentContact,
  kRelatedPerson,
  kProfessional,
  kCustomership,
  kPlan,
  kCoverage,
  kConsent,
  kAssessment,
  kGuidance,
  kCommunication,
  kClientFee
};

class ObjectReader;

class Decoder {
 public:
  Decoder(IssueSink& sink, const ReadOptions& options, bool xml)
      : sink_(sink), options_(options), xml_(xml) {}

  bool xml() const { return xml_; }
  size_t error_count() const { return errors_; }

  void Error(IssueType type, const char* id, std::string message, SourceLocation location,
             std::string path);
  void Error(IssueType type, const char* id, std::string message, SourceLocation location) {
    Error(type, id, std::move(message), location, Path());
  }

  // Decodes the root object and runs the whole-record checks.
  void DecodeRecord(const RawNode& root, ClientRecord* record);

  // ---- path ----
  void Push(std::string_view name) { path_.push_back({name, -1}); }
  void SetIndex(int index) { path_.back().index = index; }
  void Pop() { path_.pop_back(); }
  std::string Path() const;

  // ---- values: false when the node could not give a value at all ----
  bool Read(const RawNode& n, std::string* out);
  bool Read(const RawNode& n, Date* out);
  bool Read(const RawNode& n, Instant* out);
  bool Read(const RawNode& n, bool* out);
  bool Read(const RawNode& n, int* out);
  bool Read(const RawNode& n, Payer* out);
  template <Enum E>
  bool Read(const RawNode& n, E* out);
  template <Part T>
  bool Read(const RawNode& n, T* out);

  void WrongType(const RawNode& n, std::string_view expected);

  // ---- ids and references ----
  void DefineId(RefKind kind, const std::string& id, std::string path, SourceLocation location);
  void UseRef(RefKind target, bool client_allowed, const std::string& id, std::string path,
              SourceLocation location);
  void ResolveRefs();

 private:
  struct PathSeg {
    std::string_view name;
    int index;
  };
  struct IdDef {
    RefKind kind;
    std::string path;
    bool ambiguous;
  };
  struct RefUse {
    RefKind target;
    bool client_allowed;
    std::string id;
    std::string path;
    SourceLocation location;
  };

  std::string_view KindName(const RawNode& n) const;
  bool ReadText(const RawNode& n, std::string_view* text);

  IssueSink& sink_;
  const ReadOptions& options_;
  bool xml_;
  size_t errors_ = 0;
  std::vector<PathSeg> path_;
  std::map<std::string, IdDef, std::less<>> ids_;
  std::vector<RefUse> refs_;
};

// Reads the fields of one object; also the handle the per-part checks report through.
class ObjectReader {
 public:
  ObjectReader(Decoder& decoder, const RawNode& node)
      : d_(decoder), node_(node), used_(node.members.size(), false) {}

  template <typename T>
  void operator()(std::string_view name, T& field, unsigned flags) {
    const RawMember* member = Take(name);
    if (member == nullptr) {
      if ((flags & kRequired) != 0) {
        d_.Push(name);
        d_.Error(IssueType::kRequired, "RECORD_MISSING_FIELD",
                 "the required field '" + std::string(name) + "' is missing", node_.location);
        d_.Pop();
      }
      return;
    }
    d_.Push(name);
    ReadField(*member, field, flags);
    d_.Pop();
  }

  // Reports members that no field claimed.
  void ReportUnknown();

  // The location of `field` ("a.b" walks into objects) or of its index-th element; the
  // object's own location when absent.
  SourceLocation At(std::string_view field, int index = -1) const;
  std::string PathOf(std::string_view field, int index = -1) const;
  void Error(std::string_view field, int index, IssueType type, const char* id,
             std::string message) {
    d_.Error(type, id, std::move(message), At(field, index), PathOf(field, index));
  }
  void Error(std::string_view field, IssueType type, const char* id, std::string message) {
    Error(field, -1, type, id, std::move(message));
  }
  void DefineId(RefKind kind, const std::string& id) {
    if (!id.empty()) d_.DefineId(kind, id, PathOf("id"), At("id"));
  }
  void UseRef(std::string_view field, int index, RefKind target, const std::string& id,
              bool client_allowed = false) {
    if (!id.empty()) d_.UseRef(target, client_allowed, id, PathOf(field, index), At(field, index));
  }

 private:
  const RawMember* Take(std::string_view name) {
    for (size_t i = 0; i < node_.members.size(); ++i) {
      if (node_.members[i].name == name) {
        used_[i] = true;
        return &node_.members[i];
      }
    }
    return nullptr;
  }

  const RawNode* Single(const RawMember& m) {
    if (m.values.size() > 1) {
      d_.Error(IssueType::kStructure, "RECORD_REPEATED_FIELD",
               "'" + std::string(m.name) + "' can appear only once here", m.values[1].location);
    }
    return &m.values[0];
  }

  template <typename T>
  void ReadField(const RawMember& m, std::vector<T>& out, unsigned flags) {
    std::span<const RawNode> items;
    if (d_.xml()) {
      items = m.values;
    } else {
      const RawNode& v = *Single(m);
      if (v.kind != RawKind::kArray) {
        d_.WrongType(v, "an array");
        return;
      }
      items = v.items;
    }
    if (items.empty() && (flags & kRequired) != 0) {
      d_.Error(IssueType::kRequired, "RECORD_EMPTY_ARRAY",
               "'" + std::string(m.name) + "' must have at least one element", m.location);
    }
    out.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      d_.SetIndex(static_cast<int>(i));
      T value{};
      if (d_.Read(items[i], &value)) out.push_back(std::move(value));
    }
    d_.SetIndex(-1);
  }

  template <typename T>
  void ReadField(const RawMember& m, std::optional<T>& out, unsigned) {
    T value{};
    if (d_.Read(*Single(m), &value)) out = std::move(value);
  }

  template <typename T>
  void ReadField(const RawMember& m, T& out, unsigned) {
    d_.Read(*Single(m), &out);
  }

  Decoder& d_;
  const RawNode& node_;
  std::vector<bool> used_;
};

// Per-part checks beyond the field types (checks.cc). Parts without special rules use the
// template.
template <typename T>
void Check(const T&, ObjectReader&) {}
void Check(const Code& p, ObjectReader& o);
void Check(const OrgRef& p, ObjectReader& o);
void Check(const PersonName& p, ObjectReader& o);
void Check(const Period& p, ObjectReader& o);
void Check(const Money& p, ObjectReader& o);
void Check(const Identifier& p, ObjectReader& o);
void Check(const Address& p, ObjectReader& o);
void Check(const Contact& p, ObjectReader& o);
void Check(const PaymentContact& p, ObjectReader& o);
void Check(const Occupation& p, ObjectReader& o);
void Check(const RelatedPerson& p, ObjectReader& o);
void Check(const Professional& p, ObjectReader& o);
void Check(const Customership& p, ObjectReader& o);
void Check(const Plan& p, ObjectReader& o);
void Check(const Coverage& p, ObjectReader& o);
void Check(const Consent& p, ObjectReader& o);
void Check(const Assessment& p, ObjectReader& o);
void Check(const Guidance& p, ObjectReader& o);
void Check(const ClientCommunication& p, ObjectReader& o);
void Check(const ClientFee& p, ObjectReader& o);
void Check(const ClientRecord& p, ObjectReader& o);

// Lexical checks shared with the writer's self-test.
bool IsDate(std::string_view s);
bool IsInstant(std::string_view s);

template <Enum E>
bool Decoder::Read(const RawNode& n, E* out) {
  std::string_view text;
  if (!ReadText(n, &text)) return false;
  const auto& codes = EnumTraits<E>::kCodes;
  for (size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] == text) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  std::string expected;
  for (std::string_view c : codes) {
    if (!expected.empty()) expected += ", ";
    expected += c;
  }
  Error(IssueType::kCodeInvalid, "RECORD_UNKNOWN_CODE",
        "unknown " + std::string(EnumTraits<E>::kWhat) + " code; expected one of " + expected,
        n.location);
  return false;
}

template <Part T>
bool Decoder::Read(const RawNode& n, T* out) {
  if (n.kind != RawKind::kObject) {
    WrongType(n, xml_ ? "child elements" : "an object");
    return false;
  }
  ObjectReader reader(*this, n);
  Fields(*out, reader);
  reader.ReportUnknown();
  Check(*out, reader);
  return true;
}

}  // namespace silta::records::internal
