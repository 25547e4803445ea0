#include "mapping/transforms.h"

#include <map>
#include <mutex>

namespace silta::mapping {
namespace {

constexpr std::string_view kOidPrefix = "urn:oid:";

Status Expected(std::string_view transform, std::string_view what) {
  return InvalidArgumentError("transform " + std::string(transform) + ": expected " +
                              std::string(what));
}

// "1.2.246.21" ↔ "urn:oid:1.2.246.21": the record writes OIDs bare, FHIR as URIs.
class OidUrn : public Transform {
 public:
  std::string_view name() const override { return "oid-urn"; }
  StatusOr<JsonValue> ToFhir(const JsonValue& v, std::string_view,
                             const TransformEnv&) const override {
    if (v.kind() != JsonValue::Kind::kString) return Expected(name(), "an OID string");
    return JsonValue::String(std::string(kOidPrefix) + v.text());
  }
  StatusOr<JsonValue> FromFhir(const JsonValue& v, std::string_view,
                               const TransformEnv&) const override {
    if (v.kind() != JsonValue::Kind::kString || !v.text().starts_with(kOidPrefix)) {
      return Expected(name(), "a urn:oid: URI");
    }
    return JsonValue::String(v.text().substr(kOidPrefix.size()));
  }
};

// A part id of another module ↔ a Reference to the resource made of that part. The argument
// names the module; "client" as a record value (e.g. a plan's author) means the client itself.
class PartReference : public Transform {
 public:
  std::string_view name() const override { return "reference"; }
  StatusOr<JsonValue> ToFhir(const JsonValue& v, std::string_view module,
                             const TransformEnv& env) const override {
    if (v.kind() != JsonValue::Kind::kString) return Expected(name(), "a part id string");
    JsonValue ref = JsonValue::Object();
    ref["reference"] = v.text() == "client" ? JsonValue::String(env.reference_to("client", ""))
                                            : JsonValue::String(env.reference_to(module, v.text()));
    return ref;
  }
  StatusOr<JsonValue> FromFhir(const JsonValue& v, std::string_view module,
                               const TransformEnv& env) const override {
    const JsonValue* reference = v.is_object() ? v.Find("reference") : nullptr;
    if (reference == nullptr) return Expected(name(), "a Reference with a reference");
    std::optional<PartRef> part = env.resolve(reference->text());
    if (!part) {
      return InvalidArgumentError("reference \"" + reference->text() +
                                  "\" does not resolve to a resource of the Bundle");
    }
    if (part->module == "client") return JsonValue::String("client");
    if (part->module != module) {
      return InvalidArgumentError("reference \"" + reference->text() + "\" points to a " +
                                  part->module + " resource, expected " + std::string(module));
    }
    return JsonValue::String(part->part_id);
  }
};

// The contract's organisation ref {oid, businessId, name} ↔ a logical Reference: the OID as its
// identifier (FHIR's urn:ietf:rfc:3986 form), the business id (Y-tunnus) as an identifier when
// there is no OID and as an extension beside it when there is, the name as display.
class OrganisationRef : public Transform {
 public:
  static constexpr std::string_view kUriSystem = "urn:ietf:rfc:3986";
  static constexpr std::string_view kBusinessIdSystem = "http://www.tilastokeskus.fi/y-tunnus";

  std::string_view name() const override { return "org-ref"; }
  StatusOr<JsonValue> ToFhir(const JsonValue& v, std::string_view,
                             const TransformEnv& env) const override {
    if (!v.is_object()) return Expected(name(), "an organisation ref object");
    const JsonValue* oid = v.Find("oid");
    const JsonValue* business_id = v.Find("businessId");
    const JsonValue* display = v.Find("name");
    JsonValue ref = JsonValue::Object();
    if (oid != nullptr) {
      if (business_id != nullptr) {
        JsonValue ext = JsonValue::Object();
        ext["url"] = JsonValue::String(BusinessIdExtension(env));
        ext["valueString"] = *business_id;
        ref["extension"].Append(std::move(ext));
      }
      ref["identifier"]["system"] = JsonValue::String(std::string(kUriSystem));
      ref["identifier"]["value"] = JsonValue::String(std::string(kOidPrefix) + oid->text());
    } else if (business_id != nullptr) {
      ref["identifier"]["system"] = JsonValue::String(std::string(kBusinessIdSystem));
      ref["identifier"]["value"] = *business_id;
    } else {
      return Expected(name(), "an oid or a businessId");
    }
    if (display != nullptr) ref["display"] = *display;
    return ref;
  }
  StatusOr<JsonValue> FromFhir(const JsonValue& v, std::string_view,
                               const TransformEnv& env) const override {
    const JsonValue* identifier = v.is_object() ? v.Find("identifier") : nullptr;
    const JsonValue* system = identifier != nullptr ? identifier->Find("system") : nullptr;
    const JsonValue* value = identifier != nullptr ? identifier->Find("value") : nullptr;
    if (system == nullptr || value == nullptr) {
      return Expected(name(), "a Reference with an identifier system and value");
    }
    JsonValue org = JsonValue::Object();
    if (system->text() == kUriSystem && value->text().starts_with(kOidPrefix)) {
      org["oid"] = JsonValue::String(value->text().substr(kOidPrefix.size()));
      if (const JsonValue* extensions = v.Find("extension")) {
        for (const auto& ext : extensions->items()) {
          const JsonValue* url = ext.Find("url");
          const JsonValue* text = ext.Find("valueString");
          if (url != nullptr && text != nullptr && url->text() == BusinessIdExtension(env)) {
            org["businessId"] = *text;
          }
        }
      }
    } else if (system->text() == kBusinessIdSystem) {
      org["businessId"] = *value;
    } else {
      return Expected(name(), "an OID or Y-tunnus identifier");
    }
    if (const JsonValue* display = v.Find("display")) org["name"] = *display;
    return org;
  }

 private:
  static std::string BusinessIdExtension(const TransformEnv& env) {
    return env.canonical_base + "/StructureDefinition/organisation-business-id";
  }
};

// The contract's money {amount: "12.50", currency} ↔ FHIR Money {value: 12.50, currency}: the
// amount keeps its exact decimal text both ways.
class MoneyTransform : public Transform {
 public:
  std::string_view name() const override { return "money"; }
  StatusOr<JsonValue> ToFhir(const JsonValue& v, std::string_view,
                             const TransformEnv&) const override {
    const JsonValue* amount = v.is_object() ? v.Find("amount") : nullptr;
    const JsonValue* currency = v.is_object() ? v.Find("currency") : nullptr;
    if (amount == nullptr || amount->kind() != JsonValue::Kind::kString || currency == nullptr) {
      return Expected(name(), "{amount: decimal string, currency}");
    }
    JsonValue money = JsonValue::Object();
    money["value"] = JsonValue::Number(amount->text());
    money["currency"] = *currency;
    return money;
  }
  StatusOr<JsonValue> FromFhir(const JsonValue& v, std::string_view,
                               const TransformEnv&) const override {
    const JsonValue* value = v.is_object() ? v.Find("value") : nullptr;
    const JsonValue* currency = v.is_object() ? v.Find("currency") : nullptr;
    if (value == nullptr || value->kind() != JsonValue::Kind::kNumber || currency == nullptr) {
      return Expected(name(), "Money with value and currency");
    }
    JsonValue money = JsonValue::Object();
    money["amount"] = JsonValue::String(value->text());
    money["currency"] = *currency;
    return money;
  }
};

class Registry {
 public:
  Registry() {
    Add(std::make_unique<OidUrn>());
    Add(std::make_unique<PartReference>());
    Add(std::make_unique<OrganisationRef>());
    Add(std::make_unique<MoneyTransform>());
  }
  void Add(std::unique_ptr<Transform> t) {
    std::lock_guard lock(mu_);
    std::string key(t->name());
    transforms_[key] = std::move(t);
  }
  const Transform* Find(std::string_view name) {
    std::lock_guard lock(mu_);
    auto it = transforms_.find(std::string(name));
    return it == transforms_.end() ? nullptr : it->second.get();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Transform>> transforms_;
};

Registry& GlobalRegistry() {
  static Registry registry;
  return registry;
}

}  // namespace

const Transform* FindTransform(std::string_view name) { return GlobalRegistry().Find(name); }

void RegisterTransform(std::unique_ptr<Transform> transform) {
  GlobalRegistry().Add(std::move(transform));
}

}  // namespace silta::mapping
