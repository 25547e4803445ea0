#include "fhirclient/bundle.h"

#include <rapidjson/document.h>

#include <cstdlib>
#include <optional>
#include <string_view>

#include "base/numbers.h"
#include "fhirclient/http.h"
#include "json/json.h"

namespace silta::fhirclient {
namespace {

StatusOr<rapidjson::Document> ParseJson(std::string_view json, const char* what) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return DataLossError(std::string("the server's ") + what + " is not a JSON object");
  }
  return doc;
}

std::string Summarize(const rapidjson::Value& outcome, OutcomeText text_mode) {
  std::string out;
  if (std::string(json::StringMember(outcome, "resourceType")) != "OperationOutcome") return out;
  const rapidjson::Value* issues = &json::ArrayMember(outcome, "issue");
  if (issues == nullptr) return out;
  for (const rapidjson::Value& issue : issues->GetArray()) {
    if (!out.empty()) out += "; ";
    out += std::string(json::StringMember(issue, "severity")) + "/" +
           std::string(json::StringMember(issue, "code"));
    if (const rapidjson::Value* expression = &json::ArrayMember(issue, "expression");
        expression != nullptr && !expression->Empty() && (*expression)[0].IsString()) {
      out += std::string(" at ") + (*expression)[0].GetString();
    }
    std::string text;
    if (const rapidjson::Value* details = json::Member(issue, "details")) {
      if (const rapidjson::Value* codings = &json::ArrayMember(*details, "coding")) {
        std::string codes;
        for (const rapidjson::Value& coding : codings->GetArray()) {
          std::string code = std::string(json::StringMember(coding, "code"));
          if (!code.empty()) codes += (codes.empty() ? "" : ",") + code;
        }
        if (!codes.empty()) out += " [" + codes + "]";
      }
      text = std::string(json::StringMember(*details, "text"));
    }
    if (text.empty()) text = std::string(json::StringMember(issue, "diagnostics"));
    if (text_mode == OutcomeText::kWithText && !text.empty()) out += ": " + text;
  }
  return out;
}

}  // namespace

bool BundleOutcome::all_ok() const {
  for (const EntryOutcome& entry : entries) {
    if (!entry.ok()) return false;
  }
  return true;
}

std::string SummarizeOperationOutcome(std::string_view json, OutcomeText text) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  return Summarize(doc, text);
}

StatusOr<BundleOutcome> ParseBundleOutcome(std::string_view json, OutcomeText text) {
  SILTA_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json, "Bundle"));
  if (std::string(json::StringMember(doc, "resourceType")) != "Bundle") {
    return DataLossError("the server answered with a " +
                         std::string(json::StringMember(doc, "resourceType")) + ", not a Bundle");
  }
  BundleOutcome result;
  result.type = std::string(json::StringMember(doc, "type"));
  if (const rapidjson::Value* entries = &json::ArrayMember(doc, "entry")) {
    for (const rapidjson::Value& entry : entries->GetArray()) {
      EntryOutcome outcome;
      const rapidjson::Value* response = json::Member(entry, "response");
      if (response == nullptr) {
        return DataLossError("a " + result.type + " entry has no response");
      }
      // "201 Created" or just "201".
      std::string status = std::string(json::StringMember(*response, "status"));
      std::optional<int> code =
          ParseInteger<int>(std::string_view(status).substr(0, status.find(' ')), 100, 599);
      if (!code) {
        return DataLossError("a " + result.type + " entry's response status \"" + status +
                             "\" is not an HTTP status");
      }
      outcome.status = *code;
      outcome.location = std::string(json::StringMember(*response, "location"));
      outcome.etag = std::string(json::StringMember(*response, "etag"));
      outcome.last_modified = std::string(json::StringMember(*response, "lastModified"));
      if (const rapidjson::Value* oo = json::Member(*response, "outcome"))
        outcome.outcome = Summarize(*oo, text);
      // Servers that answer without an ETag (Medplum) still return the resource.
      if (const rapidjson::Value* resource = json::Member(entry, "resource")) {
        if (const rapidjson::Value* meta = json::Member(*resource, "meta")) {
          outcome.resource_version_id = std::string(json::StringMember(*meta, "versionId"));
        }
      }
      result.entries.push_back(std::move(outcome));
    }
  }
  return result;
}

StatusOr<std::string> NextLink(std::string_view bundle_json) {
  SILTA_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(bundle_json, "Bundle"));
  if (const rapidjson::Value* links = &json::ArrayMember(doc, "link")) {
    for (const rapidjson::Value& link : links->GetArray()) {
      if (std::string(json::StringMember(link, "relation")) == "next")
        return std::string(json::StringMember(link, "url"));
    }
  }
  return std::string();
}

StatusOr<bool> BundleIsIdempotent(std::string_view bundle_json) {
  SILTA_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(bundle_json, "Bundle"));
  const rapidjson::Value* entries = &json::ArrayMember(doc, "entry");
  if (entries == nullptr) return true;
  for (const rapidjson::Value& entry : entries->GetArray()) {
    const rapidjson::Value* request = json::Member(entry, "request");
    if (request == nullptr) return InvalidArgumentError("a Bundle entry has no request");
    std::string method = std::string(json::StringMember(*request, "method"));
    if (method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE") continue;
    if (method == "POST" && !std::string(json::StringMember(*request, "ifNoneExist")).empty())
      continue;
    return false;  // plain POST, PATCH: repeating may act twice
  }
  return true;
}

}  // namespace silta::fhirclient
