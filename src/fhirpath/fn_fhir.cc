// The FHIR additions to FHIRPath: extension(), hasValue(), getValue(), resolve(),
// conformsTo(), memberOf(), htmlChecks().
#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

std::string_view ChildValue(const model::Element* e, std::string_view name) {
  const model::Element* c = e->Child(name);
  return c != nullptr && c->has_value() ? c->value() : std::string_view();
}

bool Extension(Call& c) {
  std::optional<std::string_view> url;
  if (!c.StringArg(0, &url)) return false;
  if (!url) return true;
  for (const Value& v : c.focus) {
    if (!v.is_element()) continue;
    for (const model::Element* ext : v.element()->Children("extension")) {
      if (ChildValue(ext, "url") == *url) c.Push(Value::Node(ext));
    }
  }
  return true;
}

bool HasValue(Call& c) {
  bool has = c.focus.size() == 1 &&
             (!c.focus[0].is_element() ||
              (c.focus[0].element()->is_primitive() && c.focus[0].element()->has_value()));
  c.Push(Value::Boolean(has));
  return true;
}

bool GetValue(Call& c) {
  if (c.focus.size() != 1) return true;
  const Value& v = c.focus[0];
  if (v.is_element() && !v.element()->is_primitive()) return true;
  std::optional<Value> s = ToSystemValue(v);
  if (s) c.Push(*s);
  return true;
}

// "Patient/123", "http://x/fhir/Patient/123/_history/2" → type "Patient", id "123".
bool SplitReference(std::string_view ref, std::string_view* type, std::string_view* id) {
  size_t history = ref.find("/_history/");
  if (history != std::string_view::npos) ref = ref.substr(0, history);
  size_t slash = ref.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  *id = ref.substr(slash + 1);
  std::string_view head = ref.substr(0, slash);
  size_t prev = head.rfind('/');
  *type = prev == std::string_view::npos ? head : head.substr(prev + 1);
  return !type->empty() && !id->empty();
}

const model::Element* ResolveIn(const model::Element* from, std::string_view ref) {
  if (!ref.empty() && ref[0] == '#') {
    std::string_view id = ref.substr(1);
    for (const model::Element* e = from; e != nullptr; e = e->parent()) {
      if (!e->is_resource()) continue;
      if (id.empty()) return e;
      for (const model::Element* contained : e->Children("contained")) {
        if (ChildValue(contained, "id") == id) return contained;
      }
    }
    return nullptr;
  }
  std::string_view type, id;
  bool split = SplitReference(ref, &type, &id);
  for (const model::Element* e = from; e != nullptr; e = e->parent()) {
    if (!e->is_resource() || e->type()->name != "Bundle") continue;
    for (const model::Element* entry : e->Children("entry")) {
      const model::Element* resource = entry->Child("resource");
      if (resource == nullptr) continue;
      if (ChildValue(entry, "fullUrl") == ref) return resource;
      if (split && resource->type()->name == type && ChildValue(resource, "id") == id) {
        return resource;
      }
    }
  }
  return nullptr;
}

bool Resolve(Call& c) {
  for (const Value& v : c.focus) {
    std::string_view ref;
    const model::Element* from = nullptr;
    if (v.is_element()) {
      from = v.element();
      if (from->is_primitive()) {
        ref = from->value();
      } else {
        ref = ChildValue(from, "reference");
      }
    } else if (v.type() == ValueType::kString) {
      ref = v.string();
      from = c.st.resource;
    }
    if (ref.empty()) continue;
    const model::Element* target = ResolveIn(from, ref);
    if (target == nullptr && c.st.env->resolver) target = c.st.env->resolver(ref);
    if (target != nullptr) c.Push(Value::Node(target));
  }
  return true;
}

bool ConformsTo(Call& c) {
  std::optional<std::string_view> url;
  if (!c.StringArg(0, &url)) return false;
  if (!url) return true;
  for (const Value& v : c.focus) {
    if (!v.is_element()) return c.Fail("conformsTo() needs a resource or element");
    if (c.st.env->validator != nullptr) {
      StatusOr<bool> r = c.st.env->validator->ConformsTo(*v.element(), *url);
      if (!r.ok()) return c.Fail("conformsTo(): " + r.status().message());
      c.Push(Value::Boolean(*r));
      continue;
    }
    // Without a validator, only the core definitions can be answered: by type.
    constexpr std::string_view kCore = "http://hl7.org/fhir/StructureDefinition/";
    if (url->substr(0, kCore.size()) != kCore || c.st.model == nullptr ||
        c.st.model->Find(url->substr(kCore.size())) == nullptr) {
      return c.Fail("conformsTo(): no validator to check '" + std::string(*url) + "'");
    }
    c.Push(Value::Boolean(v.element()->type()->IsA(url->substr(kCore.size()))));
  }
  return true;
}

bool MemberOf(Call& c) {
  std::optional<std::string_view> url;
  if (!c.StringArg(0, &url)) return false;
  if (!url || c.focus.empty()) return true;
  if (c.st.env->terminology == nullptr) {
    return c.Fail("memberOf() needs a terminology service");
  }
  for (const Value& v : c.focus) {
    StatusOr<bool> r = c.st.env->terminology->MemberOf(v, *url);
    if (!r.ok()) return c.Fail("memberOf(): " + r.status().message());
    c.Push(Value::Boolean(*r));
  }
  return true;
}

// txt-1/txt-2: the narrative is XHTML with no active content. The XML parser already checks
// well-formedness; here the forbidden elements and attributes are looked for.
bool HtmlChecks(Call& c) {
  bool ok = true;
  for (const Value& v : c.focus) {
    if (!v.is_element() || !v.element()->has_value()) continue;
    std::string_view div = v.element()->value();
    for (std::string_view bad :
         {"<script", "<form", "<object", "<embed", "<iframe", "<applet", "<base", "<link", "<meta",
          "<style", " onclick=", " onload=", " onerror=", "javascript:"}) {
      if (div.find(bad) != std::string_view::npos) ok = false;
    }
    if (div.find("<div") == std::string_view::npos) ok = false;
  }
  c.Push(Value::Boolean(ok));
  return true;
}

}  // namespace

void RegisterFhirFunctions(FunctionRegistry& r) {
  r.Add({"extension", 1, 1, Extension});
  r.Add({"hasValue", 0, 0, HasValue});
  r.Add({"getValue", 0, 0, GetValue});
  r.Add({"resolve", 0, 0, Resolve});
  r.Add({"conformsTo", 1, 1, ConformsTo});
  r.Add({"memberOf", 1, 1, MemberOf});
  r.Add({"htmlChecks", 0, 0, HtmlChecks});
  r.Add({"htmlchecks", 0, 0, HtmlChecks});
}

}  // namespace silta::fhirpath::internal
