// A FHIR R4 terminology server as a RemoteTerminology: ValueSet/$validate-code and
// ValueSet/$expand over HTTP, with every answer kept on disk.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "base/digest.h"
#include "base/files.h"
#include "fhirclient/fhirclient.h"
#include "json/json.h"
#include "terminology/terminology.h"

namespace silta::terminology {

namespace fs = std::filesystem;

fs::path DefaultTxCacheDir() {
  if (const char* dir = std::getenv("SILTA_TX_CACHE"); dir != nullptr && *dir != '\0') return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return fs::path(xdg) / "silta" / "tx";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".cache" / "silta" / "tx";
  }
  return fs::path(".silta-tx-cache");
}

namespace {

using json::MakeString;
using json::Member;
using json::StringMember;

std::string Serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Parameters.parameter entries, built in a document's allocator.
class ParametersBuilder {
 public:
  ParametersBuilder() {
    doc_.SetObject();
    doc_.AddMember("resourceType", "Parameters", doc_.GetAllocator());
    doc_.AddMember("parameter", rapidjson::Value(rapidjson::kArrayType), doc_.GetAllocator());
  }
  void Add(std::string_view name, std::string_view value_key, std::string_view value) {
    auto& a = doc_.GetAllocator();
    rapidjson::Value p(rapidjson::kObjectType);
    p.AddMember("name", MakeString(name, a), a);
    p.AddMember(MakeString(value_key, a), MakeString(value, a), a);
    doc_["parameter"].PushBack(p, a);
  }
  void AddInteger(std::string_view name, uint64_t value) {
    auto& a = doc_.GetAllocator();
    rapidjson::Value p(rapidjson::kObjectType);
    p.AddMember("name", MakeString(name, a), a);
    p.AddMember("valueInteger", rapidjson::Value(static_cast<int64_t>(value)), a);
    doc_["parameter"].PushBack(p, a);
  }
  // False when `resource_json` does not parse.
  bool AddResource(std::string_view name, std::string_view resource_json) {
    auto& a = doc_.GetAllocator();
    rapidjson::Document resource(&a);
    resource.Parse(resource_json.data(), resource_json.size());
    if (resource.HasParseError() || !resource.IsObject()) return false;
    rapidjson::Value p(rapidjson::kObjectType);
    p.AddMember("name", MakeString(name, a), a);
    p.AddMember("resource", rapidjson::Value(resource, a), a);
    doc_["parameter"].PushBack(p, a);
    return true;
  }
  std::string Json() const { return Serialize(doc_); }

 private:
  rapidjson::Document doc_;
};

// The value of parameter `name` (its value[x] member), or null.
const rapidjson::Value* ParameterValue(const rapidjson::Value& parameters, std::string_view name,
                                       std::string_view value_key) {
  const rapidjson::Value* list = Member(parameters, "parameter");
  if (list == nullptr || !list->IsArray()) return nullptr;
  for (const auto& p : list->GetArray()) {
    if (!p.IsObject() || StringMember(p, "name") != name) continue;
    const rapidjson::Value* value = Member(p, value_key);
    if (value != nullptr) return value;
  }
  return nullptr;
}

// What the answer body says; false when it is not a usable answer.
bool ReadValidateCodeAnswer(const rapidjson::Value& body, RemoteCodeAnswer& answer) {
  if (!body.IsObject() || StringMember(body, "resourceType") != "Parameters") return false;
  const rapidjson::Value* result = ParameterValue(body, "result", "valueBoolean");
  if (result == nullptr || !result->IsBool()) return false;
  answer.answered = true;
  answer.result = result->GetBool();
  if (const rapidjson::Value* m = ParameterValue(body, "message", "valueString");
      m != nullptr && m->IsString()) {
    answer.message = m->GetString();
  }
  if (const rapidjson::Value* d = ParameterValue(body, "display", "valueString");
      d != nullptr && d->IsString()) {
    answer.display = d->GetString();
  }
  // `cause` (an OperationOutcome issue type, as terminology servers send beside result=false)
  // tells "not in the value set" from "the server does not know the system either".
  if (const rapidjson::Value* c = ParameterValue(body, "cause", "valueCode");
      !answer.result && c != nullptr && c->IsString()) {
    std::string_view cause = c->GetString();
    answer.undecided = cause == "not-found" || cause == "unknown" || cause == "not-supported" ||
                       cause == "too-costly" || cause == "exception" || cause == "processing";
  }
  return true;
}

void CollectContains(const rapidjson::Value& contains, std::vector<ExpandedCode>& codes) {
  if (!contains.IsArray()) return;
  for (const auto& c : contains.GetArray()) {
    if (!c.IsObject()) continue;
    std::string_view code = StringMember(c, "code");
    // Abstract groupers without a code only carry their children.
    if (!code.empty()) {
      codes.push_back({std::string(StringMember(c, "system")),
                       std::string(StringMember(c, "version")), std::string(code),
                       std::string(StringMember(c, "display"))});
    }
    if (const rapidjson::Value* nested = Member(c, "contains")) CollectContains(*nested, codes);
  }
}

bool ReadExpansion(const rapidjson::Value& body, RemoteExpansion& expansion) {
  if (!body.IsObject() || StringMember(body, "resourceType") != "ValueSet") return false;
  const rapidjson::Value* exp = Member(body, "expansion");
  if (exp == nullptr || !exp->IsObject()) return false;
  expansion.answered = true;
  if (const rapidjson::Value* contains = Member(*exp, "contains")) {
    CollectContains(*contains, expansion.codes);
  }
  return true;
}

// The coded parts and the text of an OperationOutcome's first issue: terminology servers explain
// refusals there ("unknown code system"), and the text is about codes, not about persons.
std::string OutcomeSummary(const rapidjson::Value& body) {
  if (!body.IsObject() || StringMember(body, "resourceType") != "OperationOutcome") return {};
  const rapidjson::Value* issues = Member(body, "issue");
  if (issues == nullptr || !issues->IsArray() || issues->Empty()) return {};
  const rapidjson::Value& issue = (*issues)[0];
  if (!issue.IsObject()) return {};
  std::string text(StringMember(issue, "diagnostics"));
  if (const rapidjson::Value* details = Member(issue, "details");
      text.empty() && details != nullptr && details->IsObject()) {
    text = std::string(StringMember(*details, "text"));
  }
  std::string summary(StringMember(issue, "code"));
  if (!text.empty()) summary += (summary.empty() ? "" : ": ") + text.substr(0, 300);
  return summary;
}

class TxClient final : public RemoteTerminology {
 public:
  TxClient(TxClientOptions options, std::shared_ptr<fhirclient::HttpTransport> transport)
      : options_(std::move(options)), transport_(std::move(transport)) {
    while (!options_.base_url.empty() && options_.base_url.back() == '/') {
      options_.base_url.pop_back();
    }
    if (options_.cache_dir.empty()) options_.cache_dir = DefaultTxCacheDir();
    // Messages and reports show the server without credentials a URL may carry.
    name_ = fhirclient::MaskUrl(options_.base_url);
  }

  const std::string& name() const override { return name_; }

  RemoteCodeAnswer ValidateCode(const RemoteCodeQuery& query) const override {
    // The question as stored in its cache file: the server is named without credentials.
    std::string key = "ValueSet/$validate-code\n" + name_ + "\n" + query.valueset + "\n" +
                      (query.valueset_json.empty() ? "" : Sha256Hex(query.valueset_json)) + "\n" +
                      query.system + "\n" + query.version + "\n" + query.code + "\n" +
                      query.display;
    RemoteCodeAnswer answer;
    auto interpret = [&](const rapidjson::Value& body) {
      return ReadValidateCodeAnswer(body, answer);
    };
    ParametersBuilder parameters;
    if (query.valueset_json.empty() || !parameters.AddResource("valueSet", query.valueset_json)) {
      parameters.Add("url", "valueUri", query.valueset);
    }
    parameters.Add("code", "valueCode", query.code);
    if (!query.system.empty()) parameters.Add("system", "valueUri", query.system);
    if (!query.version.empty()) parameters.Add("systemVersion", "valueString", query.version);
    if (!query.display.empty()) parameters.Add("display", "valueString", query.display);
    Ask(key, "ValueSet/$validate-code", parameters, interpret, answer.failure, answer.from_cache,
        "a Parameters resource with a boolean 'result'");
    return answer;
  }

  RemoteExpansion Expand(const RemoteExpandQuery& query) const override {
    std::string count = query.count == SIZE_MAX ? "" : std::to_string(query.count);
    std::string key = "ValueSet/$expand\n" + name_ + "\n" + query.valueset + "\n" +
                      (query.valueset_json.empty() ? "" : Sha256Hex(query.valueset_json)) + "\n" +
                      count;
    RemoteExpansion expansion;
    auto interpret = [&](const rapidjson::Value& body) { return ReadExpansion(body, expansion); };
    ParametersBuilder parameters;
    if (query.valueset_json.empty() || !parameters.AddResource("valueSet", query.valueset_json)) {
      parameters.Add("url", "valueUri", query.valueset);
    }
    if (query.count != SIZE_MAX) parameters.AddInteger("count", query.count);
    Ask(key, "ValueSet/$expand", parameters, interpret, expansion.failure, expansion.from_cache,
        "a ValueSet with an expansion");
    return expansion;
  }

 private:
  // Answers `key` from the memory or disk cache, else from the server; `interpret` reads an
  // answer body and says whether it is one. On failure, `failure` says why.
  template <typename Interpret>
  void Ask(const std::string& key, std::string_view operation, const ParametersBuilder& parameters,
           Interpret interpret, std::string& failure, bool& from_cache,
           std::string_view expected) const {
    if (std::optional<std::string> cached = Cached(key)) {
      rapidjson::Document body;
      body.Parse(cached->data(), cached->size());
      if (!body.HasParseError() && interpret(body)) {
        from_cache = true;
        return;
      }
    }
    {
      std::lock_guard lock(mu_);
      if (!unreachable_.empty()) {
        failure = "was not asked: earlier in this run it " + unreachable_;
        return;
      }
    }
    fhirclient::HttpRequest request;
    request.method = "POST";
    request.url = options_.base_url + "/" + std::string(operation);
    request.headers = {{"Content-Type", "application/fhir+json"},
                       {"Accept", "application/fhir+json"}};
    request.body = parameters.Json();
    fhirclient::HttpResult result = transport_->Send(request);
    if (!result.ok()) {
      switch (result.error_kind) {
        case fhirclient::TransportErrorKind::kTimeout:
          failure = "did not answer within " + TimeoutText();
          break;
        case fhirclient::TransportErrorKind::kConnect:
          failure = "could not be reached (" + result.error_message + ")";
          break;
        case fhirclient::TransportErrorKind::kTls:
          failure = "failed the TLS handshake (" + result.error_message + ")";
          break;
        default:
          failure = "failed: " + result.error_message;
          break;
      }
      if (result.error_kind == fhirclient::TransportErrorKind::kTimeout ||
          result.error_kind == fhirclient::TransportErrorKind::kConnect) {
        std::lock_guard lock(mu_);
        if (unreachable_.empty()) unreachable_ = failure;
      }
      return;
    }
    rapidjson::Document body;
    body.Parse(result.response.body.data(), result.response.body.size());
    int status = result.response.status;
    if (status < 200 || status > 299) {
      failure = "answered HTTP " + std::to_string(status) + " to " + std::string(operation);
      std::string outcome = body.HasParseError() ? "" : OutcomeSummary(body);
      if (!outcome.empty()) failure += " (" + outcome + ")";
      return;
    }
    if (body.HasParseError() || !interpret(body)) {
      failure = "answered " + std::string(operation) + " with something other than " +
                std::string(expected);
      return;
    }
    Keep(key, result.response.body);
  }

  std::string TimeoutText() const {
    auto ms = options_.timeout.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
  }

  fs::path FileFor(const std::string& key) const {
    return options_.cache_dir / (Sha256Hex(key) + ".json");
  }

  std::optional<std::string> Cached(const std::string& key) const {
    {
      std::lock_guard lock(mu_);
      auto it = memory_.find(key);
      if (it != memory_.end()) return it->second;
    }
    auto text = ReadFile(FileFor(key));
    if (!text.ok()) return std::nullopt;
    rapidjson::Document entry;
    entry.Parse(text->data(), text->size());
    // The key is stored beside the answer: a damaged or foreign file is a miss, not an answer.
    if (entry.HasParseError() || !entry.IsObject() || StringMember(entry, "key") != key) {
      return std::nullopt;
    }
    const rapidjson::Value* response = Member(entry, "response");
    if (response == nullptr || !response->IsObject()) return std::nullopt;
    std::string body = Serialize(*response);
    std::lock_guard lock(mu_);
    return memory_.try_emplace(key, std::move(body)).first->second;
  }

  // Only answers reach here: a failure is never kept as a fact about a code.
  void Keep(const std::string& key, const std::string& body) const {
    {
      std::lock_guard lock(mu_);
      memory_.try_emplace(key, body);
    }
    rapidjson::Document entry;
    entry.SetObject();
    auto& a = entry.GetAllocator();
    entry.AddMember("key", MakeString(key, a), a);
    rapidjson::Document response(&a);
    response.Parse(body.data(), body.size());
    entry.AddMember("response", rapidjson::Value(response, a), a);
    std::error_code ec;
    fs::create_directories(options_.cache_dir, ec);
    // A cache that cannot be written costs a network call next time, nothing more.
    (void)WriteFileAtomically(FileFor(key), Serialize(entry));
  }

  TxClientOptions options_;
  std::string name_;
  std::shared_ptr<fhirclient::HttpTransport> transport_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::string> memory_;
  mutable std::string unreachable_;  // why the server could not be reached, once it could not
};

}  // namespace

StatusOr<std::shared_ptr<const RemoteTerminology>> MakeTxClient(
    TxClientOptions options, std::shared_ptr<fhirclient::HttpTransport> transport) {
  std::string_view url = options.base_url;
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return InvalidArgumentError("terminology server '" + options.base_url +
                                "': expected an http:// or https:// base URL");
  }
  if (options.timeout.count() <= 0) {
    return InvalidArgumentError("terminology server time-out must be positive");
  }
  if (transport == nullptr) return InvalidArgumentError("MakeTxClient: no transport");
  return std::shared_ptr<const RemoteTerminology>(
      std::make_shared<TxClient>(std::move(options), std::move(transport)));
}

StatusOr<std::shared_ptr<const RemoteTerminology>> MakeTxClient(TxClientOptions options) {
  fhirclient::CurlTransportOptions curl;
  curl.connect_timeout = options.timeout;
  curl.request_timeout = options.timeout;
  curl.ca_file = options.ca_file;
  curl.user_agent = "silta-tx/0.1";
  auto transport = std::make_shared<fhirclient::CurlTransport>(curl);
  return MakeTxClient(std::move(options), std::move(transport));
}

}  // namespace silta::terminology
