// Reading the Bundles and OperationOutcomes a FHIR server answers with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace silta::fhirclient {

// One entry's response in a transaction-response or batch-response Bundle.
struct EntryOutcome {
  int status = 0;  // from "201 Created"
  std::string location;
  std::string etag;
  std::string last_modified;
  std::string outcome;              // the entry's OperationOutcome, summarised; empty when none
  std::string resource_version_id;  // meta.versionId of the returned resource, when there is one
  bool ok() const { return status >= 200 && status < 300; }
};

struct BundleOutcome {
  std::string type;  // "transaction-response" or "batch-response"
  std::vector<EntryOutcome> entries;
  bool all_ok() const;
};

// How much of an OperationOutcome goes into summaries. Servers' free text (diagnostics,
// details.text) may quote the submitted data, a HETU or a name, and summaries end up in Status
// messages that callers log; so by default only the coded parts are kept.
enum class OutcomeText { kCodesOnly, kWithText };

StatusOr<BundleOutcome> ParseBundleOutcome(std::string_view json,
                                           OutcomeText text = OutcomeText::kCodesOnly);

// The url of the Bundle's link with relation "next", empty when none.
StatusOr<std::string> NextLink(std::string_view bundle_json);

// "error/invalid at Patient.birthDate [fi-code]: bad date; warning/...": each issue's
// severity/code, first expression, details.coding codes and, with kWithText, its details text or
// diagnostics; empty when `json` is not an OperationOutcome.
std::string SummarizeOperationOutcome(std::string_view json,
                                      OutcomeText text = OutcomeText::kCodesOnly);

// Whether repeating the transaction or batch gives the same end state: every entry is a GET,
// HEAD, PUT or DELETE, or a POST with ifNoneExist.
StatusOr<bool> BundleIsIdempotent(std::string_view bundle_json);

}  // namespace silta::fhirclient
