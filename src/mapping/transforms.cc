#include "mapping/transforms.h"

#include <initializer_list>

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
  StatusOr<json::Value> ToFhir(const json::Value& v, std::string_view,
                               const TransformEnv&) const override {
    if (v.kind() != json::Value::Kind::kString) return Expected(name(), "an OID string");
    return json::Value::String(std::string(kOidPrefix) + v.text());
  }
  StatusOr<json::Value> FromFhir(const json::Value& v, std::string_view,
                                 const TransformEnv&) const override {
    if (v.kind() != json::Value::Kind::kString || !v.text().starts_with(kOidPrefix)) {
      return Expected(name(), "a urn:oid: URI");
    }
    return json::Value::String(v.text().substr(kOidPrefix.size()));
  }
};

// A part id of another module ↔ a Reference to the resource made of that part. The argument
// names the module; "client" as a record value (e.g. a plan's author) means the client itself.
class PartReference : public Transform {
 public:
  std::string_view name() const override { return "reference"; }
  StatusOr<json::Value> ToFhir(const json::Value& v, std::string_view module,
                               const TransformEnv& env) const override {
    if (v.kind() != json::Value::Kind::kString) return Expected(name(), "a part id string");
    json::Value ref = json::Value::Object();
    ref["reference"] = v.text() == "client"
                           ? json::Value::String(env.reference_to("client", ""))
                           : json::Value::String(env.reference_to(module, v.text()));
    return ref;
  }
  StatusOr<json::Value> FromFhir(const json::Value& v, std::string_view module,
                                 const TransformEnv& env) const override {
    const json::Value* reference = v.is_object() ? v.Find("reference") : nullptr;
    if (reference == nullptr) return Expected(name(), "a Reference with a reference");
    std::optional<PartRef> part = env.resolve(reference->text());
    if (!part) {
      return InvalidArgumentError("reference \"" + reference->text() +
                                  "\" does not resolve to a resource of the Bundle");
    }
    if (part->module == "client") return json::Value::String("client");
    if (part->module != module) {
      return InvalidArgumentError("reference \"" + reference->text() + "\" points to a " +
                                  part->module + " resource, expected " + std::string(module));
    }
    return json::Value::String(part->part_id);
  }
};

// The contract's organisation ref {oid, businessId, name} ↔ a Reference to a contained
// SiltaOrganization carrying both identifiers the profile slices (OID as urn:ietf:rfc:3986 /
// urn:oid:..., business id under Silta's Y-tunnus system) and the name. Contained rather than a
// logical reference because a Reference holds one identifier and the ref may carry two; the
// same organisation used twice in one resource is contained once. The literal "client" (a
// coverage paid by the client) is a Reference to the client's own resource.
class OrganisationRef : public Transform {
 public:
  static constexpr std::string_view kUriSystem = "urn:ietf:rfc:3986";
  static constexpr std::string_view kBusinessIdPath = "/sid/y-tunnus";
  static constexpr std::string_view kProfilePath = "/StructureDefinition/silta-organization";

  std::string_view name() const override { return "org-ref"; }
  StatusOr<json::Value> ToFhir(const json::Value& v, std::string_view,
                               const TransformEnv& env) const override {
    json::Value ref = json::Value::Object();
    if (v.kind() == json::Value::Kind::kString && v.text() == "client") {
      ref["reference"] = json::Value::String(env.reference_to("client", ""));
      return ref;
    }
    if (!v.is_object()) return Expected(name(), "an organisation ref object or \"client\"");
    if (!env.contain) return Expected(name(), "a resource to contain the organisation in");
    const json::Value* oid = v.Find("oid");
    const json::Value* business_id = v.Find("businessId");
    const json::Value* display = v.Find("name");
    if (oid == nullptr && business_id == nullptr) return Expected(name(), "an oid or a businessId");
    json::Value org = json::Value::Object();
    org["resourceType"] = json::Value::String("Organization");
    org["meta"]["profile"].Append(
        json::Value::String(env.canonical_base + std::string(kProfilePath)));
    json::Value& identifiers = org["identifier"] = json::Value::Array();
    if (oid != nullptr) {
      json::Value id = json::Value::Object();
      id["system"] = json::Value::String(std::string(kUriSystem));
      id["value"] = json::Value::String(std::string(kOidPrefix) + oid->text());
      identifiers.Append(std::move(id));
    }
    if (business_id != nullptr) {
      json::Value id = json::Value::Object();
      id["system"] = json::Value::String(BusinessIdSystem(env));
      id["value"] = json::Value::String(business_id->text());
      identifiers.Append(std::move(id));
    }
    if (display != nullptr) org["name"] = json::Value::String(display->text());
    ref["reference"] = json::Value::String(env.contain(std::move(org)));
    if (display != nullptr) ref["display"] = json::Value::String(display->text());
    return ref;
  }
  StatusOr<json::Value> FromFhir(const json::Value& v, std::string_view,
                                 const TransformEnv& env) const override {
    const json::Value* reference = v.is_object() ? v.Find("reference") : nullptr;
    if (reference == nullptr || reference->kind() != json::Value::Kind::kString) {
      return Expected(name(), "a Reference with a reference");
    }
    if (!reference->text().starts_with("#")) {
      std::optional<PartRef> part = env.resolve ? env.resolve(reference->text()) : std::nullopt;
      if (part && part->module == "client") return json::Value::String("client");
      return Expected(name(), "a reference to a contained Organization or to the client");
    }
    const json::Value* org = env.find_contained ? env.find_contained(reference->text()) : nullptr;
    if (org == nullptr) {
      return InvalidArgumentError("reference \"" + reference->text() +
                                  "\" names no contained resource");
    }
    json::Value out = json::Value::Object();
    if (const json::Value* identifiers = org->Find("identifier")) {
      for (const auto& id : identifiers->items()) {
        const json::Value* system = id.Find("system");
        const json::Value* value = id.Find("value");
        if (system == nullptr || value == nullptr) continue;
        if (system->text() == kUriSystem && value->text().starts_with(kOidPrefix)) {
          out["oid"] = json::Value::String(value->text().substr(kOidPrefix.size()));
        } else if (system->text() == BusinessIdSystem(env)) {
          out["businessId"] = json::Value::String(value->text());
        }
      }
    }
    if (out.Find("oid") == nullptr && out.Find("businessId") == nullptr) {
      return Expected(name(), "an Organization identified by OID or Y-tunnus");
    }
    if (const json::Value* org_name = org->Find("name")) out["name"] = *org_name;
    return out;
  }

 private:
  static std::string BusinessIdSystem(const TransformEnv& env) {
    return env.canonical_base + std::string(kBusinessIdPath);
  }
};

// The contract's money {amount: "12.50", currency} ↔ FHIR Money {value: 12.50, currency}: the
// amount keeps its exact decimal text both ways.
class MoneyTransform : public Transform {
 public:
  std::string_view name() const override { return "money"; }
  StatusOr<json::Value> ToFhir(const json::Value& v, std::string_view,
                               const TransformEnv&) const override {
    const json::Value* amount = v.is_object() ? v.Find("amount") : nullptr;
    const json::Value* currency = v.is_object() ? v.Find("currency") : nullptr;
    if (amount == nullptr || amount->kind() != json::Value::Kind::kString || currency == nullptr) {
      return Expected(name(), "{amount: decimal string, currency}");
    }
    json::Value money = json::Value::Object();
    money["value"] = json::Value::Number(amount->text());
    money["currency"] = *currency;
    return money;
  }
  StatusOr<json::Value> FromFhir(const json::Value& v, std::string_view,
                                 const TransformEnv&) const override {
    const json::Value* value = v.is_object() ? v.Find("value") : nullptr;
    const json::Value* currency = v.is_object() ? v.Find("currency") : nullptr;
    if (value == nullptr || value->kind() != json::Value::Kind::kNumber || currency == nullptr) {
      return Expected(name(), "Money with value and currency");
    }
    json::Value money = json::Value::Object();
    money["amount"] = json::Value::String(value->text());
    money["currency"] = *currency;
    return money;
  }
};

}  // namespace

const Transform* FindTransform(std::string_view name) {
  // Stateless and never replaced: rules keep the pointers, threads look them up at once.
  static const OidUrn oid_urn;
  static const PartReference part_reference;
  static const OrganisationRef organisation_ref;
  static const MoneyTransform money;
  for (const Transform* transform : std::initializer_list<const Transform*>{
           &oid_urn, &part_reference, &organisation_ref, &money}) {
    if (transform->name() == name) return transform;
  }
  return nullptr;
}

}  // namespace silta::mapping
