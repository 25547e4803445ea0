// Internal: an evaluated ValueSet as per-system hash sets, and the set algebra that compose
// needs (include = union, several imports in one include = intersection, exclude = difference)
// over sets that may be only partly known.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_map.h"
#include "terminology/code_system.h"
#include "terminology/terminology.h"

namespace silta::terminology::internal {

// What is true of the codes of a system that are not in SystemCodes::codes.
enum class Openness : uint8_t {
  kClosed,         // they are not members
  kIncomplete,     // unknown: the CodeSystem is a fragment, a filter is not supported...
  kUnknownSystem,  // unknown: the system has no CodeSystem in the packages
};

struct CodeEntry {
  std::string code;
  std::string display;
};

// The members of one code system in an expansion.
struct SystemCodes {
  std::string system;
  std::string version;
  std::shared_ptr<const CodeSystem> code_system;  // null: no CodeSystem in the packages
  bool case_sensitive = true;
  // Every code of the system is a member; only for systems that cannot be enumerated.
  bool all = false;
  Openness openness = Openness::kClosed;
  // The listed codes may not all be members: an exclude of unknown extent applied.
  bool uncertain = false;
  std::string open_reason;
  StringMap<CodeEntry> codes;  // key: the code, ASCII lower-cased when !case_sensitive

  std::string Key(std::string_view code) const {
    return case_sensitive ? std::string(code) : AsciiLower(code);
  }
  const CodeEntry* Find(std::string_view code) const;
  void Add(std::string_view code, std::string_view display);
};

struct Expansion {
  ExpansionOutcome outcome = ExpansionOutcome::kComplete;
  std::string message;
  std::vector<SystemCodes> systems;
  // Part of the definition could not be evaluated at all (an import that is missing or in a
  // cycle), so a code of any system might be a member. `open_validity` is the answer for codes
  // that are not found (kUnknownValueSet, kCannotTell).
  bool open_everywhere = false;
  Validity open_validity = Validity::kCannotTell;
  std::string open_message;
  bool from_stored_expansion = false;
  std::vector<std::string> notes;

  size_t CodeCount() const;
  SystemCodes* FindSystem(std::string_view system);
  const SystemCodes* FindSystem(std::string_view system) const;
  // The part for `system`, created empty (and closed) when absent.
  SystemCodes& SystemPart(std::string_view system);

  void MarkOpenEverywhere(Validity validity, std::string message);
  // Sets `outcome` from the parts (call once the expansion is built).
  void Finish();
};

// a ∪ b, into a.
void UnionInto(Expansion& a, Expansion&& b);
// a ∩ b.
Expansion Intersect(Expansion&& a, const Expansion& b);
// a \ b, into a.
void Subtract(Expansion& a, const Expansion& b);

}  // namespace silta::terminology::internal
