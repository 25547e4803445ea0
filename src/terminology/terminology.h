// Facade of the terminology module: code validation against the CodeSystems and ValueSets of
// the loaded FHIR packages, and optionally a FHIR terminology server for what they lack. Used by
// the profile validator (binding checks, and FHIRPath memberOf() in invariants, through the
// validator's fhirpath::TerminologyProvider).
//
// The packages answer first. Codes from systems that have no CodeSystem in the packages
// (SNOMED CT, LOINC, UCUM, BCP-47...) come back as kUnknownSystem so the caller can say "not
// checked" instead of guessing, unless a RemoteTerminology (a FHIR terminology server, see
// tx_client.h) was given: then only those questions the packages cannot answer go to it.
//
// Status is the "could not run" channel (a ValueSet or CodeSystem whose JSON cannot be parsed);
// every answer about the data itself is a result value.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "packages/packages.h"

namespace silta::fhirclient {
class HttpTransport;
}

namespace silta::terminology {

// How certain an answer about a code is. The validator maps these to issue severities: kInvalid
// is an error for required bindings; kUnknownSystem is information; kCannotTell, kTooCostly and
// kUnknownValueSet are warnings.
enum class Validity : uint8_t {
  kValid,
  kInvalid,          // certainly not in the value set (or not in a complete code system)
  kUnknownSystem,    // the code's system has no CodeSystem in the packages: not checkable
  kUnknownValueSet,  // the value set (or one it imports) is not in the packages
  kCannotTell,       // partial knowledge: fragment/example CodeSystem, unsupported filter...
  kTooCostly,        // the expansion would exceed Options::max_expansion_size
};

struct ValidationResult {
  Validity validity = Validity::kCannotTell;
  // English, suitable for an issue text; empty when valid unless the display does not match.
  std::string message;
  // The system and code that decided the answer (for a CodeableConcept: the valid coding).
  std::string system;
  std::string code;
  // The code system's display for the code (or the value set's, when the system is unknown).
  std::string expected_display;
  // A display was given, the code is valid, and the display matches neither the code's display
  // nor any of its designations (compared ignoring case and runs of whitespace).
  bool display_mismatch = false;
  // The code is valid but marked inactive/retired/deprecated in its code system.
  bool inactive = false;
  // The code is valid but notSelectable (a grouper, not meant for data).
  bool abstract = false;

  bool valid() const { return validity == Validity::kValid; }
};

struct Coding {
  std::string system;
  std::string version;
  std::string code;
  std::string display;  // empty: no display check
};

struct Designation {
  std::string language;
  std::string use_system;
  std::string use_code;
  std::string value;
};

struct LookupResult {
  Validity validity = Validity::kCannotTell;  // kValid: the code is defined in the system
  std::string message;
  std::string display;
  std::string definition;
  std::vector<Designation> designations;
  bool abstract = false;  // notSelectable
  bool inactive = false;
};

enum class Subsumption : uint8_t {
  kEquivalent,
  kSubsumes,     // a subsumes b: b is a (transitive) descendant of a
  kSubsumedBy,   // a is a descendant of b
  kNotSubsumed,  // both codes known, unrelated
  kUnknownSystem,
  kUnknownCode,  // the system is known but one of the codes is not in it
};

enum class ExpansionOutcome : uint8_t {
  kComplete,         // every member is known
  kPartial,          // some systems are open (unknown system, fragment CodeSystem...)
  kTooCostly,        // more than Options::max_expansion_size codes
  kUnknownValueSet,  // the value set, or one it imports, is not in the packages
  kFailed,           // cannot be evaluated (import cycle, malformed content...)
};
std::string_view ExpansionOutcomeName(ExpansionOutcome o);

struct ExpandedCode {
  std::string system;
  std::string version;
  std::string code;
  std::string display;
};

struct ExpansionInfo {
  ExpansionOutcome outcome = ExpansionOutcome::kFailed;
  std::string message;  // why it is not complete
  size_t code_count = 0;
  std::vector<std::string> unknown_systems;     // no CodeSystem in the packages
  std::vector<std::string> incomplete_systems;  // fragment/example CodeSystems, unsupported filters
  bool from_stored_expansion = false;           // ValueSet.expansion.contains was used
  std::vector<std::string> notes;  // data oddities met on the way (code not in its system...)
};

// A question for a terminology server: ValueSet/$validate-code of one code.
struct RemoteCodeQuery {
  std::string valueset;  // canonical, "url" or "url|version"
  // The ValueSet's JSON when the packages hold it: sent inline, since a server cannot be
  // expected to know a local profile's value sets. Empty: the server is asked by `valueset`.
  std::string valueset_json;
  std::string system;  // empty for a bare code
  std::string version;
  std::string code;
  std::string display;  // empty: no display check
};

// What a terminology server said, or why it said nothing.
struct RemoteCodeAnswer {
  bool answered = false;  // false: `failure` says why (time-out, HTTP status, unreachable)
  bool result = false;    // $validate-code's `result`
  std::string message;    // the server's `message`, when it gave one
  std::string display;    // the server's `display`
  // `result` false with a `cause` saying the server could not judge (not-found, unknown,
  // not-supported, too-costly, exception, processing: its code system or value set is unknown to
  // it, or it failed): the code is unchecked, not invalid.
  bool undecided = false;
  std::string failure;
  bool from_cache = false;
};

struct RemoteExpansion {
  bool answered = false;
  std::string failure;
  std::vector<ExpandedCode> codes;
  bool from_cache = false;
};

struct RemoteExpandQuery {
  std::string valueset;
  std::string valueset_json;  // as in RemoteCodeQuery
  size_t count = SIZE_MAX;    // at most this many codes; SIZE_MAX: no `count` parameter
};

// A terminology server behind the service: consulted only for questions the packages cannot
// answer (see TerminologyService). Implementations must be safe to call from many threads.
class RemoteTerminology {
 public:
  virtual ~RemoteTerminology() = default;
  virtual RemoteCodeAnswer ValidateCode(const RemoteCodeQuery& query) const = 0;
  virtual RemoteExpansion Expand(const RemoteExpandQuery& query) const = 0;
  // Names the server in messages (its base URL).
  virtual const std::string& name() const = 0;
};

// At namespace scope: a nested struct with member initializers cannot be a default argument of
// its enclosing class's constructor.
struct TerminologyOptions {
  // Bigger expansions give kTooCostly instead of growing memory without bound.
  size_t max_expansion_size = 100'000;
  // Asked when the packages' answer is kUnknownSystem, kUnknownValueSet, kCannotTell or
  // kTooCostly; never for a code whose system the packages hold completely. Null: offline.
  std::shared_ptr<const RemoteTerminology> remote;
};

class TerminologyService {
 public:
  using Options = TerminologyOptions;

  // Keeps a shared reference to the context; nothing is read until the first query.
  explicit TerminologyService(std::shared_ptr<const packages::ConformanceContext> context,
                              Options options = {});
  ~TerminologyService();
  TerminologyService(const TerminologyService&) = delete;
  TerminologyService& operator=(const TerminologyService&) = delete;

  // All queries are safe to call concurrently. Expansions are computed on first use and cached;
  // later membership tests are hash lookups.
  //
  // `valueset` is a canonical URL, optionally "url|version". An empty `system` (a bound `code`
  // element) matches the code in any system of the value set. An empty `display` is not checked.
  StatusOr<ValidationResult> ValidateCode(std::string_view valueset, std::string_view system,
                                          std::string_view code,
                                          std::string_view display = {}) const;
  StatusOr<ValidationResult> ValidateCoding(std::string_view valueset, const Coding& coding) const;
  // Valid when any coding is valid. Otherwise the most informative failure: an unknown system
  // or a "cannot tell" wins over kInvalid, since the codings that could not be checked might be
  // the intended ones. No codings: kInvalid.
  StatusOr<ValidationResult> ValidateCodeableConcept(std::string_view valueset,
                                                     const std::vector<Coding>& codings) const;

  // Is `code` defined in `system` (no value set involved)?
  StatusOr<ValidationResult> ValidateCodeInSystem(std::string_view system, std::string_view code,
                                                  std::string_view display = {}) const;
  StatusOr<LookupResult> Lookup(std::string_view system, std::string_view code) const;
  // The code's display, or nullopt when the system or the code is unknown.
  std::optional<std::string> LookupDisplay(std::string_view system, std::string_view code) const;
  // Whether `code_a` subsumes `code_b` in `system` (hierarchy of nested concepts and of the
  // parent/child/subsumedBy properties).
  StatusOr<Subsumption> Subsumes(std::string_view system, std::string_view code_a,
                                 std::string_view code_b) const;

  // What an expansion amounts to; for tools, tests and diagnostics.
  StatusOr<ExpansionInfo> DescribeExpansion(std::string_view valueset) const;
  // The codes of an expansion, at most `limit`. Open systems contribute only the codes known,
  // unless a remote server is set: then an expansion the packages cannot complete is the
  // server's $expand (the local codes when the server cannot be asked).
  StatusOr<std::vector<ExpandedCode>> ListCodes(std::string_view valueset,
                                                size_t limit = SIZE_MAX) const;

  const packages::ConformanceContext& context() const { return *context_; }

 private:
  class Impl;
  StatusOr<ValidationResult> ValidateCodeOffline(std::string_view valueset, std::string_view system,
                                                 std::string_view code,
                                                 std::string_view display) const;
  std::shared_ptr<const packages::ConformanceContext> context_;
  std::unique_ptr<Impl> impl_;
};

// --- A FHIR R4 terminology server (`silta validate --tx URL`, `txServer` of `silta serve`) ---

struct TxClientOptions {
  std::string base_url;  // http(s)://host/path, the server's FHIR base
  // Where answers are kept, so that a rerun asks nothing; empty: DefaultTxCacheDir().
  std::filesystem::path cache_dir;
  std::chrono::milliseconds timeout{10'000};  // per request, connecting included
  std::string ca_file;                        // PEM bundle for https; empty: the system store
};

// $SILTA_TX_CACHE, else $XDG_CACHE_HOME/silta/tx, else $HOME/.cache/silta/tx.
std::filesystem::path DefaultTxCacheDir();

// A RemoteTerminology over HTTP (libcurl, TLS verified). Answers ($validate-code results and
// $expand expansions) are kept on disk, one file per question, written atomically; a question
// asked before is answered from there without a network call. Failures (time-outs, HTTP errors,
// an unreachable server) are not kept: the next run asks again. After a failure to connect or a
// time-out the server is not asked again by this client, so a dead server costs one time-out per
// run, not one per code. InvalidArgument for a base URL that is not http(s).
StatusOr<std::shared_ptr<const RemoteTerminology>> MakeTxClient(TxClientOptions options);
// The same over another transport (tests: fhirclient::FakeTransport).
StatusOr<std::shared_ptr<const RemoteTerminology>> MakeTxClient(
    TxClientOptions options, std::shared_ptr<fhirclient::HttpTransport> transport);

}  // namespace silta::terminology
