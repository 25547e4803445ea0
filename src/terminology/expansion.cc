#include "terminology/expansion.h"

#include <algorithm>
#include <utility>

namespace silta::terminology::internal {

const CodeEntry* SystemCodes::Find(std::string_view code) const {
  auto it = case_sensitive ? codes.find(code) : codes.find(AsciiLower(code));
  return it == codes.end() ? nullptr : &it->second;
}

void SystemCodes::Add(std::string_view code, std::string_view display) {
  codes.try_emplace(Key(code), CodeEntry{std::string(code), std::string(display)});
}

size_t Expansion::CodeCount() const {
  size_t n = 0;
  for (const SystemCodes& part : systems) n += part.codes.size();
  return n;
}

SystemCodes* Expansion::FindSystem(std::string_view system) {
  for (SystemCodes& part : systems) {
    if (part.system == system) return &part;
  }
  return nullptr;
}

const SystemCodes* Expansion::FindSystem(std::string_view system) const {
  for (const SystemCodes& part : systems) {
    if (part.system == system) return &part;
  }
  return nullptr;
}

SystemCodes& Expansion::SystemPart(std::string_view system) {
  if (SystemCodes* part = FindSystem(system); part != nullptr) return *part;
  SystemCodes& part = systems.emplace_back();
  part.system = std::string(system);
  return part;
}

void Expansion::MarkOpenEverywhere(Validity validity, std::string why) {
  // The first reason is kept: it is the root cause, later ones tend to be consequences.
  if (open_everywhere) return;
  open_everywhere = true;
  open_validity = validity;
  open_message = std::move(why);
}

void Expansion::Finish() {
  if (outcome == ExpansionOutcome::kTooCostly || outcome == ExpansionOutcome::kFailed) return;
  if (open_everywhere) {
    outcome = open_validity == Validity::kUnknownValueSet ? ExpansionOutcome::kUnknownValueSet
                                                          : ExpansionOutcome::kFailed;
    if (message.empty()) message = open_message;
    return;
  }
  outcome = ExpansionOutcome::kComplete;
  for (const SystemCodes& part : systems) {
    if (part.openness != Openness::kClosed || part.uncertain) {
      outcome = ExpansionOutcome::kPartial;
      if (message.empty()) message = part.open_reason;
    }
  }
}

namespace {

Openness MoreOpen(Openness a, Openness b) { return std::max(a, b); }

void MergeOpenness(SystemCodes& into, const SystemCodes& other) {
  if (other.openness > into.openness) into.open_reason = other.open_reason;
  into.openness = MoreOpen(into.openness, other.openness);
}

void UnionPart(SystemCodes& a, SystemCodes&& b) {
  for (auto& [key, entry] : b.codes) a.codes.try_emplace(key, std::move(entry));
  a.all = a.all || b.all;
  a.uncertain = a.uncertain || b.uncertain;
  MergeOpenness(a, b);
  if (!a.code_system) a.code_system = std::move(b.code_system);
}

SystemCodes IntersectPart(SystemCodes&& a, const SystemCodes& b) {
  // "All codes of the system" is the identity of intersection.
  if (a.all) {
    SystemCodes result = b;
    if (!result.code_system) result.code_system = a.code_system;
    return result;
  }
  if (b.all) return std::move(a);
  SystemCodes result;
  result.system = a.system;
  result.version = a.version;
  result.code_system = a.code_system ? a.code_system : b.code_system;
  result.case_sensitive = a.case_sensitive;
  for (auto& [key, entry] : a.codes) {
    if (b.Find(entry.code) != nullptr) result.codes.try_emplace(key, std::move(entry));
  }
  result.uncertain = a.uncertain || b.uncertain;
  if (a.openness != Openness::kClosed || b.openness != Openness::kClosed) {
    result.openness = MoreOpen(a.openness, b.openness);
    result.open_reason = a.openness >= b.openness ? a.open_reason : b.open_reason;
  }
  return result;
}

void SubtractPart(SystemCodes& a, const SystemCodes& b) {
  // Excluding a whole system is certain even when the system cannot be enumerated.
  if (b.all) {
    a.codes.clear();
    a.openness = Openness::kClosed;
    a.all = false;
    return;
  }
  std::erase_if(a.codes, [&b](const auto& item) { return b.Find(item.second.code) != nullptr; });
  if (b.openness != Openness::kClosed) {
    // Any remaining code might be one of those excluded.
    a.uncertain = true;
    if (a.open_reason.empty()) a.open_reason = b.open_reason;
  }
}

}  // namespace

void UnionInto(Expansion& a, Expansion&& b) {
  for (SystemCodes& part : b.systems) {
    if (SystemCodes* existing = a.FindSystem(part.system); existing != nullptr) {
      UnionPart(*existing, std::move(part));
    } else {
      a.systems.push_back(std::move(part));
    }
  }
  if (b.open_everywhere) a.MarkOpenEverywhere(b.open_validity, std::move(b.open_message));
  for (std::string& note : b.notes) a.notes.push_back(std::move(note));
}

Expansion Intersect(Expansion&& a, const Expansion& b) {
  Expansion result;
  result.notes = std::move(a.notes);
  result.notes.insert(result.notes.end(), b.notes.begin(), b.notes.end());
  for (SystemCodes& part : a.systems) {
    if (const SystemCodes* other = b.FindSystem(part.system); other != nullptr) {
      result.systems.push_back(IntersectPart(std::move(part), *other));
    } else if (b.open_everywhere) {
      part.uncertain = true;
      if (part.open_reason.empty()) part.open_reason = b.open_message;
      result.systems.push_back(std::move(part));
    }
  }
  if (a.open_everywhere) {
    for (const SystemCodes& other : b.systems) {
      if (result.FindSystem(other.system) != nullptr) continue;
      SystemCodes copy = other;
      copy.uncertain = true;
      if (copy.open_reason.empty()) copy.open_reason = a.open_message;
      result.systems.push_back(std::move(copy));
    }
  }
  if (a.open_everywhere && b.open_everywhere) {
    result.MarkOpenEverywhere(a.open_validity, std::move(a.open_message));
  }
  return result;
}

void Subtract(Expansion& a, const Expansion& b) {
  for (SystemCodes& part : a.systems) {
    if (const SystemCodes* other = b.FindSystem(part.system); other != nullptr) {
      SubtractPart(part, *other);
    } else if (b.open_everywhere) {
      part.uncertain = true;
      if (part.open_reason.empty()) part.open_reason = b.open_message;
    }
  }
  a.notes.insert(a.notes.end(), b.notes.begin(), b.notes.end());
}

}  // namespace silta::terminology::internal
