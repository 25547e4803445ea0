#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "base/numbers.h"
#include "json/json.h"
#include "terminology/code_system.h"
#include "terminology/expansion.h"
#include "terminology/filters.h"
#include "terminology/service_impl.h"
#include "terminology/terminology.h"

namespace silta::terminology {

using internal::CodeEntry;
using internal::CodeSystem;
using internal::Expansion;
using internal::Openness;
using internal::SystemCodes;

std::string_view ExpansionOutcomeName(ExpansionOutcome o) {
  switch (o) {
    case ExpansionOutcome::kComplete:
      return "complete";
    case ExpansionOutcome::kPartial:
      return "partial";
    case ExpansionOutcome::kTooCostly:
      return "too-costly";
    case ExpansionOutcome::kUnknownValueSet:
      return "unknown-valueset";
    case ExpansionOutcome::kFailed:
      return "failed";
  }
  return "?";
}

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Display comparison the way people perceive text: case and runs of whitespace do not matter.
std::string NormalizeDisplay(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

Validity OpenValidity(Openness openness) {
  return openness == Openness::kUnknownSystem ? Validity::kUnknownSystem : Validity::kCannotTell;
}

// How informative a failure is for a CodeableConcept: a coding that could not be checked may be
// the intended one, so "could not check" outranks "checked and wrong".
int FailureRank(Validity v) {
  switch (v) {
    case Validity::kValid:
      return 6;
    case Validity::kCannotTell:
      return 5;
    case Validity::kTooCostly:
      return 4;
    case Validity::kUnknownValueSet:
      return 3;
    case Validity::kUnknownSystem:
      return 2;
    case Validity::kInvalid:
      return 1;
  }
  return 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TerminologyService::TerminologyService(std::shared_ptr<const packages::ConformanceContext> context,
                                       Options options)
    : context_(std::move(context)), impl_(std::make_unique<Impl>(*context_, options)) {}

TerminologyService::~TerminologyService() = default;

namespace {

// The display check and inactive flag for a valid code.
void AddDisplayFacts(ValidationResult& result, const CodeSystem* cs, const CodeEntry* entry,
                     std::string_view display) {
  const internal::ConceptDef* def = cs != nullptr ? cs->FindConcept(result.code) : nullptr;
  if (def != nullptr) {
    result.expected_display = def->display;
    result.inactive = def->inactive;
    result.abstract = def->abstract;
  } else if (entry != nullptr) {
    result.expected_display = entry->display;
  }
  if (display.empty()) return;
  std::string wanted = NormalizeDisplay(display);
  std::vector<std::string_view> known;
  if (def != nullptr) {
    known.push_back(def->display);
    for (const Designation& d : def->designations) known.push_back(d.value);
  }
  if (entry != nullptr) known.push_back(entry->display);
  bool any_known = false;
  for (std::string_view k : known) {
    if (k.empty()) continue;
    any_known = true;
    if (NormalizeDisplay(k) == wanted) return;
  }
  if (!any_known) return;
  result.display_mismatch = true;
  result.message = "display " + Quote(display) + " does not match the display of code " +
                   Quote(result.code) + " in " + result.system + " (" +
                   Quote(result.expected_display) + ")";
}

// A result that says no more than its verdict on `code` of `system`.
ValidationResult Verdict(std::string_view system, std::string_view code, Validity validity,
                         std::string message) {
  ValidationResult result;
  result.validity = validity;
  result.system = std::string(system);
  result.code = std::string(code);
  result.message = std::move(message);
  return result;
}

ValidationResult CheckPart(const SystemCodes& part, std::string_view code, std::string_view vs,
                           std::string_view display) {
  ValidationResult result;
  result.system = part.system;
  result.code = std::string(code);
  const CodeEntry* entry = part.Find(code);
  if (entry != nullptr) {
    if (part.uncertain) {
      result.validity = OpenValidity(part.openness);
      result.message = "cannot tell whether code " + Quote(code) + " is in value set " +
                       std::string(vs) + ": " + part.open_reason;
      return result;
    }
    result.validity = Validity::kValid;
    result.code = entry->code;
    AddDisplayFacts(result, part.code_system.get(), entry, display);
    return result;
  }
  if (part.openness != Openness::kClosed) {
    result.validity = OpenValidity(part.openness);
    result.message = "code " + Quote(code) + " of " + part.system + " cannot be checked against " +
                     std::string(vs) + ": " + part.open_reason;
    return result;
  }
  result.validity = Validity::kInvalid;
  const CodeSystem* cs = part.code_system.get();
  if (cs != nullptr && cs->complete() && cs->Find(code) < 0) {
    result.message = "unknown code " + Quote(code) + " in code system " + part.system;
  } else {
    result.message =
        "code " + Quote(code) + " of " + part.system + " is not in value set " + std::string(vs);
  }
  return result;
}

}  // namespace

namespace {

// The answers a terminology server may improve on: those the packages could not give. A code of
// a system the packages hold completely is valid or invalid here and never leaves the process.
bool NeedsRemote(Validity v) {
  return v == Validity::kUnknownSystem || v == Validity::kUnknownValueSet ||
         v == Validity::kCannotTell || v == Validity::kTooCostly;
}

}  // namespace

StatusOr<ValidationResult> TerminologyService::ValidateCode(std::string_view valueset,
                                                            std::string_view system,
                                                            std::string_view code,
                                                            std::string_view display) const {
  SILTA_ASSIGN_OR_RETURN(ValidationResult local,
                         ValidateCodeOffline(valueset, system, code, display));
  const RemoteTerminology* remote = impl_->remote();
  if (remote == nullptr || !NeedsRemote(local.validity)) return local;
  RemoteCodeQuery query;
  query.valueset = std::string(valueset);
  query.valueset_json = impl_->ValueSetJson(valueset);
  query.system = std::string(system);
  query.code = std::string(code);
  query.display = std::string(display);
  RemoteCodeAnswer answer = remote->ValidateCode(query);
  if (!answer.answered) {
    // Not a fact about the code: a warning that it could not be checked, with why.
    std::string offline = local.validity == Validity::kUnknownSystem
                              ? "its code system is not available offline"
                              : local.message;
    local.validity = Validity::kCannotTell;
    local.message = "the terminology server " + remote->name() + " " + answer.failure +
                    (offline.empty() ? "" : "; offline: " + offline);
    return local;
  }
  ValidationResult result;
  result.system = std::string(system);
  result.code = std::string(code);
  result.expected_display = answer.display;
  if (answer.undecided) {
    result.validity = Validity::kCannotTell;
    result.message = "the terminology server " + remote->name() + " could not judge it" +
                     (answer.message.empty() ? "" : ": " + answer.message);
    return result;
  }
  if (answer.result) {
    result.validity = Validity::kValid;
    return result;
  }
  result.validity = Validity::kInvalid;
  result.message =
      (answer.message.empty()
           ? "code " + Quote(code) + (system.empty() ? "" : " of " + std::string(system)) +
                 " is not in value set " + std::string(valueset)
           : answer.message) +
      " (terminology server " + remote->name() + ")";
  return result;
}

StatusOr<ValidationResult> TerminologyService::ValidateCodeOffline(std::string_view valueset,
                                                                   std::string_view system,
                                                                   std::string_view code,
                                                                   std::string_view display) const {
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const Expansion> expansion, impl_->GetExpansion(valueset));
  if (!expansion) {
    return Verdict(system, code, Validity::kUnknownValueSet,
                   "ValueSet " + std::string(valueset) + " is not in the loaded packages");
  }
  if (expansion->outcome == ExpansionOutcome::kTooCostly) {
    return Verdict(system, code, Validity::kTooCostly, expansion->message);
  }
  auto not_found = [&](ValidationResult r) {
    if (expansion->open_everywhere) {
      r.validity = expansion->open_validity;
      r.message = "cannot check code " + Quote(code) + " against " + std::string(valueset) + ": " +
                  expansion->open_message;
    }
    return r;
  };
  if (!system.empty()) {
    const SystemCodes* part = expansion->FindSystem(system);
    if (part == nullptr) {
      return not_found(Verdict(system, code, Validity::kInvalid,
                               "value set " + std::string(valueset) + " has no codes from " +
                                   std::string(system) + " (code " + Quote(code) + ")"));
    }
    ValidationResult checked = CheckPart(*part, code, valueset, display);
    return checked.validity == Validity::kInvalid ? not_found(std::move(checked)) : checked;
  }
  // No system (a bound `code` element): the code may come from any system of the value set.
  std::optional<ValidationResult> best;
  for (const SystemCodes& part : expansion->systems) {
    ValidationResult checked = CheckPart(part, code, valueset, display);
    if (checked.valid()) return checked;
    if (!best || FailureRank(checked.validity) > FailureRank(best->validity)) {
      best = std::move(checked);
    }
  }
  if (!best || best->validity == Validity::kInvalid) {
    return not_found(
        Verdict(system, code, Validity::kInvalid,
                "code " + Quote(code) + " is not in value set " + std::string(valueset)));
  }
  return std::move(*best);
}

StatusOr<ValidationResult> TerminologyService::ValidateCoding(std::string_view valueset,
                                                              const Coding& coding) const {
  if (coding.code.empty()) {
    return Verdict(coding.system, "", Validity::kInvalid, "the coding has no code");
  }
  return ValidateCode(valueset, coding.system, coding.code, coding.display);
}

StatusOr<ValidationResult> TerminologyService::ValidateCodeableConcept(
    std::string_view valueset, const std::vector<Coding>& codings) const {
  std::optional<ValidationResult> best;
  std::string messages;
  for (const Coding& coding : codings) {
    SILTA_ASSIGN_OR_RETURN(ValidationResult checked, ValidateCoding(valueset, coding));
    if (checked.valid()) return checked;
    if (!messages.empty()) messages += "; ";
    messages += checked.message;
    if (!best || FailureRank(checked.validity) > FailureRank(best->validity)) {
      best = std::move(checked);
    }
  }
  if (!best) {
    return Verdict("", "", Validity::kInvalid,
                   "no coding to check against value set " + std::string(valueset));
  }
  best->message = codings.size() == 1 ? best->message
                                      : "none of the codings is in value set " +
                                            std::string(valueset) + ": " + messages;
  return std::move(*best);
}

StatusOr<ValidationResult> TerminologyService::ValidateCodeInSystem(
    std::string_view system, std::string_view code, std::string_view display) const {
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const CodeSystem> cs, impl_->GetCodeSystem(system));
  if (!cs) {
    return Verdict(system, code, Validity::kUnknownSystem,
                   "code system " + std::string(system) + " is not in the loaded packages");
  }
  const internal::ConceptDef* def = cs->FindConcept(code);
  if (def == nullptr) {
    return Verdict(system, code, cs->complete() ? Validity::kInvalid : Validity::kCannotTell,
                   cs->complete()
                       ? "unknown code " + Quote(code) + " in code system " + std::string(system)
                       : "code " + Quote(code) + " is not in the part of " + std::string(system) +
                             " the packages hold");
  }
  ValidationResult result = Verdict(system, def->code, Validity::kValid, "");
  AddDisplayFacts(result, cs.get(), nullptr, display);
  return result;
}

StatusOr<LookupResult> TerminologyService::Lookup(std::string_view system,
                                                  std::string_view code) const {
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const CodeSystem> cs, impl_->GetCodeSystem(system));
  LookupResult result;
  if (!cs) {
    result.validity = Validity::kUnknownSystem;
    result.message = "code system " + std::string(system) + " is not in the loaded packages";
    return result;
  }
  const internal::ConceptDef* def = cs->FindConcept(code);
  if (def == nullptr) {
    result.validity = cs->complete() ? Validity::kInvalid : Validity::kCannotTell;
    result.message = "code " + Quote(code) + " is not in code system " + std::string(system);
    return result;
  }
  result.validity = Validity::kValid;
  result.display = def->display;
  result.definition = def->definition;
  result.designations = def->designations;
  result.abstract = def->abstract;
  result.inactive = def->inactive;
  return result;
}

std::optional<std::string> TerminologyService::LookupDisplay(std::string_view system,
                                                             std::string_view code) const {
  auto found = Lookup(system, code);
  if (!found.ok() || found->validity != Validity::kValid) return std::nullopt;
  return std::move(found->display);
}

StatusOr<Subsumption> TerminologyService::Subsumes(std::string_view system, std::string_view code_a,
                                                   std::string_view code_b) const {
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const CodeSystem> cs, impl_->GetCodeSystem(system));
  if (!cs) return Subsumption::kUnknownSystem;
  int64_t a = cs->Find(code_a);
  int64_t b = cs->Find(code_b);
  if (a < 0 || b < 0) return Subsumption::kUnknownCode;
  if (a == b) return Subsumption::kEquivalent;
  auto ia = static_cast<uint32_t>(a);
  auto ib = static_cast<uint32_t>(b);
  if (cs->IsDescendant(ia, ib)) return Subsumption::kSubsumes;
  if (cs->IsDescendant(ib, ia)) return Subsumption::kSubsumedBy;
  return Subsumption::kNotSubsumed;
}

StatusOr<ExpansionInfo> TerminologyService::DescribeExpansion(std::string_view valueset) const {
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const Expansion> expansion, impl_->GetExpansion(valueset));
  ExpansionInfo info;
  if (!expansion) {
    info.outcome = ExpansionOutcome::kUnknownValueSet;
    info.message = "ValueSet " + std::string(valueset) + " is not in the loaded packages";
    return info;
  }
  info.outcome = expansion->outcome;
  info.message = expansion->message;
  info.code_count = expansion->CodeCount();
  info.from_stored_expansion = expansion->from_stored_expansion;
  info.notes = expansion->notes;
  for (const SystemCodes& part : expansion->systems) {
    if (part.openness == Openness::kUnknownSystem) info.unknown_systems.push_back(part.system);
    if (part.openness == Openness::kIncomplete || (part.uncertain && part.code_system)) {
      info.incomplete_systems.push_back(part.system);
    }
  }
  return info;
}

StatusOr<std::vector<ExpandedCode>> TerminologyService::ListCodes(std::string_view valueset,
                                                                  size_t limit) const {
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const Expansion> expansion, impl_->GetExpansion(valueset));
  std::vector<ExpandedCode> codes;
  const RemoteTerminology* remote = impl_->remote();
  if (remote != nullptr && (!expansion || expansion->outcome != ExpansionOutcome::kComplete)) {
    RemoteExpandQuery query;
    query.valueset = std::string(valueset);
    query.valueset_json = impl_->ValueSetJson(valueset);
    query.count = limit;
    RemoteExpansion remote_expansion = remote->Expand(query);
    if (remote_expansion.answered) {
      codes = std::move(remote_expansion.codes);
      if (codes.size() > limit) codes.resize(limit);
      return codes;
    }
  }
  if (!expansion) return codes;
  for (const SystemCodes& part : expansion->systems) {
    for (const auto& [key, entry] : part.codes) {
      codes.push_back({part.system, part.version, entry.code, entry.display});
    }
  }
  std::sort(codes.begin(), codes.end(), [](const ExpandedCode& x, const ExpandedCode& y) {
    return std::tie(x.system, x.code) < std::tie(y.system, y.code);
  });
  if (codes.size() > limit) codes.resize(limit);
  return codes;
}

}  // namespace silta::terminology
