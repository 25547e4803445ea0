// Rule families where agreement with the reference validator has to come from the R4 text:
// extension contexts, slicing of Parameters and Bundles by name and by profile, resources held to
// the profiles of their type. Every expectation here is read from the R4 4.0.1 specification
// (the sentence is quoted beside it), not from the reference cases.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/files.h"
#include "fixture.h"
#include "support/r4.h"

namespace silta::validation {
namespace {

using testing::Outcome;
using testing::ValidateText;

std::shared_ptr<const Validator> ValidatorWith(std::vector<std::string> resources) {
  auto v =
      Validator::Create(testing::R4Context(std::move(resources)), silta::testing::R4Model(), {});
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : nullptr;
}

// A simple string-valued extension definition with the given context and context invariants
// (JSON arrays written out).
std::string StringExtension(std::string_view url, std::string_view context,
                            std::string_view invariants = "[]",
                            std::string_view version = "1.0.0") {
  return R"({"resourceType":"StructureDefinition","url":")" + std::string(url) +
         R"(","version":")" + std::string(version) +
         R"(","name":"X","status":"active","fhirVersion":"4.0.1","kind":"complex-type",
    "abstract":false,"context":)" +
         std::string(context) + R"(,"contextInvariant":)" + std::string(invariants) +
         R"(,"type":"Extension","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Extension",
    "derivation":"constraint","differential":{"element":[{"id":"Extension","path":"Extension"},
    {"id":"Extension.extension","path":"Extension.extension","max":"0"},
    {"id":"Extension.url","path":"Extension.url","fixedUri":")" +
         std::string(url) + R"("},
    {"id":"Extension.value[x]","path":"Extension.value[x]","type":[{"code":"string"}]}]}})";
}

std::string PatientWith(std::string_view extension_url, std::string_view gender = "female") {
  return R"({"resourceType":"Patient","id":"p","text":{"status":"generated",
    "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">p</div>"},"extension":[{"url":")" +
         std::string(extension_url) + R"(","valueString":"x"}],"gender":")" + std::string(gender) +
         R"("})";
}

// --- extension contexts (R4 extensibility, StructureDefinition.context/contextInvariant) ------

// extension-context-type "element": "The full path for the element is [url]#[elementid]. If there
// is no #, the Element id is one defined in the base specification", ids "with slicing
// identifiers" included.
TEST(ExtensionContext, ElementIdWithProfileUrlAndSliceName) {
  const char* url = "http://acme.test/StructureDefinition/ext-id";
  auto v = ValidatorWith({StringExtension(
      url,
      R"([{"type":"element","expression":"http://acme.test/StructureDefinition/pat#Patient.identifier:mrn"}])")});
  std::string on_identifier = R"({"resourceType":"Patient","identifier":[{"extension":[{"url":")" +
                              std::string(url) +
                              R"(","valueString":"x"}],"system":"urn:oid:1.2.3","value":"1"}]})";
  EXPECT_FALSE(ValidateText(*v, on_identifier).HasError("EXTENSION_CONTEXT"))
      << ValidateText(*v, on_identifier).Describe();
  std::string on_patient = PatientWith(url);
  EXPECT_TRUE(ValidateText(*v, on_patient).HasError("EXTENSION_CONTEXT"));
}

// StructureDefinition.contextInvariant: "All the rules must be true ... the FHIRPath focus is
// the element that holds the extension, and %extension refers to the extension itself."
TEST(ExtensionContext, ContextInvariantsRunOnTheHolderWithExtensionVariable) {
  const char* url = "http://acme.test/StructureDefinition/ext-inv";
  auto v = ValidatorWith({StringExtension(url, R"([{"type":"element","expression":"Patient"}])",
                                          R"(["gender = 'female'", "%extension.value = 'x'"])")});
  Outcome female = ValidateText(*v, PatientWith(url, "female"));
  EXPECT_TRUE(female.Errors().empty()) << female.Describe();
  Outcome male = ValidateText(*v, PatientWith(url, "male"));
  EXPECT_TRUE(male.HasError("EXTENSION_CONTEXT_INVARIANT")) << male.Describe();
  EXPECT_EQ(male.Errors().size(), 1u) << male.Describe();
}

// A canonical may carry its version after "|" (R4 references.html#canonical): an extension
// naming "url|version" is that version of the extension, and meets its fixed Extension.url.
TEST(ExtensionContext, VersionedExtensionUrl) {
  const char* url = "http://acme.test/StructureDefinition/ext-v";
  auto v = ValidatorWith({StringExtension(url, R"([{"type":"element","expression":"Patient"}])")});
  Outcome o = ValidateText(*v, PatientWith(std::string(url) + "|1.0.0"));
  EXPECT_TRUE(o.Errors().empty()) << o.Describe();
  // A profile's required slice for the extension (known by its type profile) takes it too.
  std::string profile = R"({"resourceType":"StructureDefinition",
    "url":"http://acme.test/StructureDefinition/pv","name":"PV","status":"active",
    "fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"Patient",
    "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","derivation":"constraint",
    "differential":{"element":[{"id":"Patient","path":"Patient"},
    {"id":"Patient.extension","path":"Patient.extension","slicing":{"discriminator":[
     {"type":"value","path":"url"}],"rules":"closed"}},
    {"id":"Patient.extension:v","path":"Patient.extension","sliceName":"v","min":1,"max":"1",
     "type":[{"code":"Extension","profile":[")" +
                        std::string(url) + R"("]}]}]}})";
  auto with_profile = ValidatorWith(
      {StringExtension(url, R"([{"type":"element","expression":"Patient"}])"), profile});
  Outcome sliced = ValidateText(*with_profile, PatientWith(std::string(url) + "|1.0.0"),
                                {"http://acme.test/StructureDefinition/pv"});
  EXPECT_TRUE(sliced.Errors().empty()) << sliced.Describe();
}

// extension-context-type "extension": "the expression is just a uri that identifies the
// extension": a part with an absolute url inside that extension.
TEST(ExtensionContext, ExtensionContextByUrl) {
  const char* outer = "http://acme.test/StructureDefinition/outer";
  const char* inner = "http://acme.test/StructureDefinition/inner";
  std::string outer_def = R"({"resourceType":"StructureDefinition","url":")" + std::string(outer) +
                          R"(","name":"O","status":"active","fhirVersion":"4.0.1",
    "kind":"complex-type","abstract":false,"context":[{"type":"element","expression":"Patient"}],
    "type":"Extension","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Extension",
    "derivation":"constraint","differential":{"element":[{"id":"Extension","path":"Extension"},
    {"id":"Extension.url","path":"Extension.url","fixedUri":")" +
                          std::string(outer) + R"("},
    {"id":"Extension.value[x]","path":"Extension.value[x]","max":"0"}]}})";
  auto v =
      ValidatorWith({outer_def, StringExtension(inner, R"([{"type":"extension","expression":")" +
                                                           std::string(outer) + R"(|1.0.0"}])")});
  std::string nested = R"({"resourceType":"Patient","extension":[{"url":")" + std::string(outer) +
                       R"(","extension":[{"url":")" + std::string(inner) +
                       R"(","valueString":"x"}]}]})";
  Outcome o = ValidateText(*v, nested);
  EXPECT_FALSE(o.HasError("EXTENSION_CONTEXT")) << o.Describe();
  Outcome bare = ValidateText(*v, PatientWith(inner));
  EXPECT_TRUE(bare.HasError("EXTENSION_CONTEXT")) << bare.Describe();
}

// Extension.url: "The definition SHALL be a URI for the Structure Definition defining the
// extension"; only the parts of a complex extension have relative urls, which mean what the
// complex extension's definition says (R4 patient-nationality has the parts code and period).
TEST(ExtensionContext, RelativeUrls) {
  auto v = ValidatorWith({});
  Outcome top = ValidateText(*v, PatientWith("nationality"));
  EXPECT_TRUE(top.HasError("EXTENSION_URL_NOT_ABSOLUTE")) << top.Describe();
  const char* parts = R"({"resourceType":"Patient","extension":[{
    "url":"http://hl7.org/fhir/StructureDefinition/patient-nationality","extension":[
    {"url":"code","valueCodeableConcept":{"text":"FI"}},%s]}]})";
  std::string good(parts);
  good.replace(good.find("%s"), 2, R"({"url":"period","valuePeriod":{"start":"2000"}})");
  Outcome known = ValidateText(*v, good);
  EXPECT_TRUE(known.Errors().empty()) << known.Describe();
  std::string bad(parts);
  bad.replace(bad.find("%s"), 2, R"({"url":"country","valueString":"FI"})");
  Outcome unknown = ValidateText(*v, bad);
  EXPECT_TRUE(unknown.HasError("EXTENSION_SUBEXTENSION_UNKNOWN")) << unknown.Describe();
}

// R4 profiling.html: profiles "cannot break the rules established in the base"; what a base fixes
// stays fixed, so an extension constrained from another cannot fix Extension.url to its own url.
TEST(ExtensionContext, ConstraintCannotChangeTheFixedUrlOfItsBase) {
  const char* base_url = "http://acme.test/StructureDefinition/ext-base";
  auto derived = [&](std::string_view url, std::string_view fixed) {
    return R"({"resourceType":"StructureDefinition","url":")" + std::string(url) +
           R"(","name":"D","status":"active","fhirVersion":"4.0.1","kind":"complex-type",
      "abstract":false,"context":[{"type":"element","expression":"Patient"}],"type":"Extension",
      "baseDefinition":")" +
           std::string(base_url) + R"(","derivation":"constraint","differential":{"element":[
      {"id":"Extension","path":"Extension"},
      {"id":"Extension.url","path":"Extension.url","fixedUri":")" +
           std::string(fixed) + R"("}]}})";
  };
  auto v =
      ValidatorWith({StringExtension(base_url, R"([{"type":"element","expression":"Patient"}])")});
  Outcome renamed = ValidateText(*v, derived("http://acme.test/StructureDefinition/d",
                                             "http://acme.test/StructureDefinition/d"));
  ASSERT_TRUE(renamed.HasError("PROFILE_FIXED_VALUE_CHANGED")) << renamed.Describe();
  EXPECT_EQ(renamed.Errors().size(), 1u) << renamed.Describe();
  Outcome kept = ValidateText(*v, derived("http://acme.test/StructureDefinition/d", base_url));
  EXPECT_FALSE(kept.HasError("PROFILE_FIXED_VALUE_CHANGED")) << kept.Describe();
}

// R4 profiling.html: a discriminator's path is "evaluated relative to the element being sliced";
// one that names nothing there (Extension has no 'type') tells no slices apart.
TEST(ProfileDefinitions, DiscriminatorPathMustNameSomethingInTheSlicedType) {
  auto profile = [](std::string_view discriminator_path) {
    return R"({"resourceType":"StructureDefinition","url":"http://acme.test/StructureDefinition/ae",
      "name":"AE","status":"active","fhirVersion":"4.0.1","kind":"resource","abstract":false,
      "type":"AuditEvent","baseDefinition":"http://hl7.org/fhir/StructureDefinition/AuditEvent",
      "derivation":"constraint","differential":{"element":[{"id":"AuditEvent","path":"AuditEvent"},
      {"id":"AuditEvent.agent","path":"AuditEvent.agent","slicing":{"discriminator":[
        {"type":"pattern","path":"type"}],"rules":"open"}},
      {"id":"AuditEvent.agent.extension","path":"AuditEvent.agent.extension","slicing":{
        "discriminator":[{"type":"value","path":")" +
           std::string(discriminator_path) + R"("}],"rules":"open"}}]}})";
  };
  auto v = ValidatorWith({});
  Outcome good = ValidateText(*v, profile("url"));
  EXPECT_FALSE(good.HasError("PROFILE_DISCRIMINATOR_PATH")) << good.Describe();
  Outcome bad = ValidateText(*v, profile("type"));
  ASSERT_TRUE(bad.HasError("PROFILE_DISCRIMINATOR_PATH")) << bad.Describe();
  for (const Issue* e : bad.Errors()) {
    if (e->message_id == "PROFILE_DISCRIMINATOR_PATH") {
      EXPECT_EQ(e->expression,
                "StructureDefinition.differential.element[2].slicing.discriminator[0]");
    }
  }
}

// R4 eld-11: "Binding can only be present for coded elements, string, and uri"; the element's
// types are its own or, when it names none, those of the base element.
TEST(ProfileDefinitions, BindingsOnlyOnCodedStringAndUriElements) {
  auto profile = [](std::string_view element) {
    return R"({"resourceType":"StructureDefinition","url":"http://acme.test/StructureDefinition/p",
      "name":"P","status":"active","fhirVersion":"4.0.1","kind":"resource","abstract":false,
      "type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient",
      "derivation":"constraint","differential":{"element":[{"id":"Patient","path":"Patient"},)" +
           std::string(element) + "]}}";
  };
  const char* binding =
      R"("binding":{"strength":"required","valueSet":"http://hl7.org/fhir/ValueSet/languages"})";
  auto v = ValidatorWith({});
  Outcome on_date =
      ValidateText(*v, profile(R"({"id":"Patient.birthDate","path":"Patient.birthDate",)" +
                               std::string(binding) + "}"));
  EXPECT_TRUE(on_date.HasError("PROFILE_BINDING_NOT_BINDABLE")) << on_date.Describe();
  Outcome on_code = ValidateText(*v, profile(R"({"id":"Patient.gender","path":"Patient.gender",)" +
                                             std::string(binding) + "}"));
  EXPECT_FALSE(on_code.HasError("PROFILE_BINDING_NOT_BINDABLE")) << on_code.Describe();
  Outcome on_choice =
      ValidateText(*v, profile(R"({"id":"Patient.deceased[x]","path":"Patient.deceased[x]",)" +
                               std::string(binding) + "}"));
  EXPECT_TRUE(on_choice.HasError("PROFILE_BINDING_NOT_BINDABLE")) << on_choice.Describe();
}

// A Patient profile with the given differential elements after the root, and the snapshot
// elements given (none: no snapshot).
std::string PatientProfile(std::string_view differential, std::string_view snapshot = "") {
  std::string sd =
      R"({"resourceType":"StructureDefinition","url":"http://acme.test/StructureDefinition/p",
      "name":"P","status":"active","fhirVersion":"4.0.1","kind":"resource","abstract":false,
      "type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient",
      "derivation":"constraint",)";
  if (!snapshot.empty()) sd += R"("snapshot":{"element":[)" + std::string(snapshot) + "]},";
  return sd + R"("differential":{"element":[{"id":"Patient","path":"Patient"},)" +
         std::string(differential) + "]}}";
}

// R4 StructureDefinition.differential: "A differential view is expressed relative to the base
// StructureDefinition - a statement of differences that it applies." Its paths must exist in the
// base whether or not a snapshot comes with it.
TEST(ProfileDefinitions, DifferentialIsJudgedAlsoBesideASnapshot) {
  const char* snapshot = R"({"id":"Patient","path":"Patient","definition":"x","min":0,"max":"*",
    "base":{"path":"Patient","min":0,"max":"*"}})";
  auto v = ValidatorWith({});
  Outcome good = ValidateText(
      *v, PatientProfile(R"({"id":"Patient.gender","path":"Patient.gender","min":1})", snapshot));
  EXPECT_FALSE(good.HasError("PROFILE_DIFFERENTIAL_INVALID")) << good.Describe();
  Outcome bad = ValidateText(
      *v, PatientProfile(R"({"id":"Patient.foo","path":"Patient.foo","min":1})", snapshot));
  ASSERT_TRUE(bad.HasError("PROFILE_DIFFERENTIAL_INVALID")) << bad.Describe();
  for (const Issue* e : bad.Errors()) {
    if (e->message_id == "PROFILE_DIFFERENTIAL_INVALID") {
      EXPECT_EQ(e->expression, "StructureDefinition.differential.element[1]");
    }
  }
}

// R4 binding strength "required": "To be conformant, the concept in this element SHALL be from
// the specified value set"; profiling.html: profiles "cannot break the rules established in the
// base". Patient.gender is bound required to administrative-gender: a profile may keep it
// required, not relax it.
TEST(ProfileDefinitions, RequiredBindingCannotBeRelaxed) {
  auto gender = [](std::string_view strength) {
    return R"({"id":"Patient.gender","path":"Patient.gender","binding":{"strength":")" +
           std::string(strength) +
           R"(","valueSet":"http://hl7.org/fhir/ValueSet/administrative-gender"}})";
  };
  auto v = ValidatorWith({});
  Outcome kept = ValidateText(*v, PatientProfile(gender("required")));
  EXPECT_FALSE(kept.HasError("PROFILE_DIFFERENTIAL_INVALID")) << kept.Describe();
  Outcome relaxed = ValidateText(*v, PatientProfile(gender("extensible")));
  ASSERT_TRUE(relaxed.HasError("PROFILE_DIFFERENTIAL_INVALID")) << relaxed.Describe();
  for (const Issue* e : relaxed.Errors()) {
    EXPECT_EQ(e->expression, "StructureDefinition.differential.element[1]");
  }
  // Patient.maritalStatus is extensible in R4: a profile may make it stronger.
  Outcome tightened = ValidateText(
      *v, PatientProfile(R"({"id":"Patient.maritalStatus","path":"Patient.maritalStatus",
        "binding":{"strength":"required",
        "valueSet":"http://hl7.org/fhir/ValueSet/marital-status"}})"));
  EXPECT_FALSE(tightened.HasError("PROFILE_DIFFERENTIAL_INVALID")) << tightened.Describe();
}

// R4's Extension snapshot types Extension.url as http://hl7.org/fhirpath/System.String with the
// structuredefinition-fhir-type extension "uri": a differential restating the type as "uri" (as
// R4's own complex extensions do) names the type the base allows.
TEST(ProfileDefinitions, FhirTypeOfASystemTypedElementIsTheBaseType) {
  auto extension = [](std::string_view url_type) {
    return R"({"resourceType":"StructureDefinition","url":"http://acme.test/StructureDefinition/e",
      "name":"E","status":"active","fhirVersion":"4.0.1","kind":"complex-type","abstract":false,
      "context":[{"type":"element","expression":"Patient"}],"type":"Extension",
      "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Extension",
      "derivation":"constraint","differential":{"element":[{"id":"Extension","path":"Extension"},
      {"id":"Extension.url","path":"Extension.url","type":[{"code":")" +
           std::string(url_type) + R"("}],"fixedUri":"http://acme.test/StructureDefinition/e"},
      {"id":"Extension.value[x]","path":"Extension.value[x]","type":[{"code":"string"}]}]}})";
  };
  auto v = ValidatorWith({});
  Outcome uri = ValidateText(*v, extension("uri"));
  EXPECT_FALSE(uri.HasError("PROFILE_DIFFERENTIAL_INVALID")) << uri.Describe();
  Outcome boolean = ValidateText(*v, extension("boolean"));
  EXPECT_TRUE(boolean.HasError("PROFILE_DIFFERENTIAL_INVALID")) << boolean.Describe();
}

// R4 ElementDefinition.slicing: "Slicing can be used in any resource that has cardinality ..* on
// the base resource, or any resource with a choice of types": an extension whose value[x] has one
// slice per type (named as the renamed choices valueBoolean, valueCodeableConcept) allows both
// types; a second type slice is not limited to the first one's type.
TEST(ProfileDefinitions, ChoiceSlicedByTypeTwice) {
  auto extension = [](std::string_view second_type) {
    return R"({"resourceType":"StructureDefinition","url":"http://acme.test/StructureDefinition/e",
      "name":"E","status":"active","fhirVersion":"4.0.1","kind":"complex-type","abstract":false,
      "context":[{"type":"element","expression":"Address"}],"type":"Extension",
      "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Extension",
      "derivation":"constraint","differential":{"element":[{"id":"Extension","path":"Extension"},
      {"id":"Extension.url","path":"Extension.url",
       "fixedUri":"http://acme.test/StructureDefinition/e"},
      {"id":"Extension.valueBoolean:valueBoolean","path":"Extension.valueBoolean",
       "sliceName":"valueBoolean","type":[{"code":"boolean"}]},
      {"id":"Extension.valueCodeableConcept:valueCodeableConcept",
       "path":"Extension.valueCodeableConcept","sliceName":"valueCodeableConcept",
       "type":[{"code":")" +
           std::string(second_type) + R"("}]}]}})";
  };
  auto v = ValidatorWith({});
  Outcome two_types = ValidateText(*v, extension("CodeableConcept"));
  EXPECT_FALSE(two_types.HasError("PROFILE_DIFFERENTIAL_INVALID")) << two_types.Describe();
}

// R4 ElementDefinition.constraint.expression: "A FHIRPath expression of constraint that can be
// executed to see if this constraint is met"; one that does not parse cannot be executed.
TEST(ProfileDefinitions, ConstraintExpressionsMustBeFhirPath) {
  auto constrained = [](std::string_view expression) {
    return PatientProfile(R"({"id":"Patient.gender","path":"Patient.gender","constraint":[
      {"key":"acme-1","severity":"error","human":"a gender","expression":")" +
                          std::string(expression) + R"("}]})");
  };
  auto v = ValidatorWith({});
  Outcome good = ValidateText(*v, constrained("$this = 'female' or $this = 'male'"));
  EXPECT_FALSE(good.HasError("PROFILE_CONSTRAINT_EXPRESSION")) << good.Describe();
  Outcome bad = ValidateText(*v, constrained("$this = 'female' or ("));
  ASSERT_TRUE(bad.HasError("PROFILE_CONSTRAINT_EXPRESSION")) << bad.Describe();
  for (const Issue* e : bad.Errors()) {
    if (e->message_id == "PROFILE_CONSTRAINT_EXPRESSION") {
      EXPECT_EQ(e->expression,
                "StructureDefinition.differential.element[1].constraint[0].expression");
    }
  }
}

// R4 ElementDefinition.type.profile: "Identifies a profile structure or implementation Guide that
// applies to the datatype this element refers to. If any profiles are specified, then the content
// must conform to at least one of them": a HumanName definition cannot apply to an Identifier.
TEST(ProfileDefinitions, TypeProfileMustBeOfThatType) {
  auto identifier = [](std::string_view profile) {
    return PatientProfile(R"({"id":"Patient.identifier","path":"Patient.identifier",
      "type":[{"code":"Identifier","profile":[")" +
                          std::string(profile) + R"("]}]})");
  };
  auto v = ValidatorWith({});
  Outcome good = ValidateText(*v, identifier("http://hl7.org/fhir/StructureDefinition/Identifier"));
  EXPECT_FALSE(good.HasError("PROFILE_TYPE_PROFILE_WRONG_TYPE")) << good.Describe();
  Outcome bad = ValidateText(*v, identifier("http://hl7.org/fhir/StructureDefinition/HumanName"));
  ASSERT_TRUE(bad.HasError("PROFILE_TYPE_PROFILE_WRONG_TYPE")) << bad.Describe();
  for (const Issue* e : bad.Errors()) {
    if (e->message_id == "PROFILE_TYPE_PROFILE_WRONG_TYPE") {
      EXPECT_EQ(e->expression, "StructureDefinition.differential.element[1].type[0].profile[0]");
    }
  }
}

// R4 profiling.html: a constraint "cannot break the rules established in the base";
// ElementDefinition.type.targetProfile: the target "must conform to at least one of them". R4's
// Patient.generalPractitioner is Reference(Organization | Practitioner | PractitionerRole): a
// profile may narrow it to Practitioner, not widen it to Observation.
TEST(ProfileDefinitions, TargetProfilesStayWithinTheBaseTargets) {
  auto practitioner = [](std::string_view target) {
    return PatientProfile(
        R"({"id":"Patient.generalPractitioner","path":"Patient.generalPractitioner",
      "type":[{"code":"Reference","targetProfile":[")" +
        std::string(target) + R"("]}]})");
  };
  auto v = ValidatorWith({});
  Outcome narrowed =
      ValidateText(*v, practitioner("http://hl7.org/fhir/StructureDefinition/Practitioner"));
  EXPECT_FALSE(narrowed.HasError("PROFILE_TARGET_NOT_IN_BASE")) << narrowed.Describe();
  Outcome widened =
      ValidateText(*v, practitioner("http://hl7.org/fhir/StructureDefinition/Observation"));
  ASSERT_TRUE(widened.HasError("PROFILE_TARGET_NOT_IN_BASE")) << widened.Describe();
  for (const Issue* e : widened.Errors()) {
    if (e->message_id == "PROFILE_TARGET_NOT_IN_BASE") {
      EXPECT_EQ(e->expression,
                "StructureDefinition.differential.element[1].type[0].targetProfile[0]");
    }
  }
}

// R4 eld-2 "Min <= Max" holds for the element the differential makes: Patient.maritalStatus is
// 0..1 in R4, so a differential min of 2 leaves min above max.
TEST(ProfileDefinitions, MinAboveTheInheritedMax) {
  auto v = ValidatorWith({});
  Outcome bad = ValidateText(
      *v,
      PatientProfile(R"({"id":"Patient.maritalStatus","path":"Patient.maritalStatus","min":2})"));
  EXPECT_TRUE(bad.HasError("PROFILE_DIFFERENTIAL_INVALID")) << bad.Describe();
  Outcome good = ValidateText(
      *v,
      PatientProfile(R"({"id":"Patient.maritalStatus","path":"Patient.maritalStatus","min":1})"));
  EXPECT_FALSE(good.HasError("PROFILE_DIFFERENTIAL_INVALID")) << good.Describe();
}

// R4 ElementDefinition.slicing: "Slicing can be used in any resource that has cardinality ..* on
// the base resource, or any resource with a choice of types": Patient.gender is 0..1 and of one
// type; Patient.identifier is 0..*.
TEST(ProfileDefinitions, SlicingOnlyOnRepeatingOrChoiceElements) {
  auto v = ValidatorWith({});
  Outcome single =
      ValidateText(*v, PatientProfile(R"({"id":"Patient.gender","path":"Patient.gender",
      "slicing":{"discriminator":[{"type":"value","path":"$this"}],"rules":"open"}})"));
  EXPECT_TRUE(single.HasError("PROFILE_DIFFERENTIAL_INVALID")) << single.Describe();
  Outcome repeating =
      ValidateText(*v, PatientProfile(R"({"id":"Patient.identifier","path":"Patient.identifier",
      "slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"}})"));
  EXPECT_FALSE(repeating.HasError("PROFILE_DIFFERENTIAL_INVALID")) << repeating.Describe();
  Outcome choice =
      ValidateText(*v, PatientProfile(R"({"id":"Patient.deceased[x]","path":"Patient.deceased[x]",
      "slicing":{"discriminator":[{"type":"type","path":"$this"}],"rules":"closed"}})"));
  EXPECT_FALSE(choice.HasError("PROFILE_DIFFERENTIAL_INVALID")) << choice.Describe();
}

// R4 CodeSystem.concept.property.code: "A code that is a reference to CodeSystem.property.code";
// CodeSystem.property.type: "The type of the property value".
TEST(CodeSystems, ConceptPropertiesUseDeclaredPropertiesAndTypes) {
  auto code_system = [](std::string_view property) {
    return R"({"resourceType":"CodeSystem","url":"http://acme.test/CodeSystem/c","name":"C",
      "status":"draft","content":"complete","property":[{"code":"p","type":"string"}],
      "concept":[{"code":"a","display":"A"},{"code":"b","display":"B","concept":[{"code":"b1",
      "display":"B1","property":[)" +
           std::string(property) + "]}]}]}";
  };
  auto v = ValidatorWith({});
  Outcome good = ValidateText(*v, code_system(R"({"code":"p","valueString":"x"})"));
  EXPECT_FALSE(good.HasError("CODESYSTEM_PROPERTY_UNDEFINED")) << good.Describe();
  EXPECT_FALSE(good.HasError("CODESYSTEM_PROPERTY_WRONG_TYPE")) << good.Describe();
  Outcome undeclared = ValidateText(*v, code_system(R"({"code":"q","valueString":"x"})"));
  ASSERT_TRUE(undeclared.HasError("CODESYSTEM_PROPERTY_UNDEFINED")) << undeclared.Describe();
  for (const Issue* e : undeclared.Errors()) {
    EXPECT_EQ(e->expression, "CodeSystem.concept[1].concept[0].property[0].code");
  }
  Outcome wrong_type = ValidateText(*v, code_system(R"({"code":"p","valueInteger":3})"));
  ASSERT_TRUE(wrong_type.HasError("CODESYSTEM_PROPERTY_WRONG_TYPE")) << wrong_type.Describe();
  for (const Issue* e : wrong_type.Errors()) {
    EXPECT_EQ(e->expression, "CodeSystem.concept[1].concept[0].property[0].value.ofType(integer)");
  }
}

// --- Parameters and slicing ------------------------------------------------------------------

// A Parameters profile sliced by name (closed), one slice with parts sliced by name, another
// whose resource must be a Patient meeting a profile (ElementDefinition.type.profile: "the
// element SHALL conform to at least one specified profile").
const char* kPatientActive = R"({"resourceType":"StructureDefinition",
  "url":"http://acme.test/StructureDefinition/active-patient","name":"AP","status":"active",
  "fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"Patient",
  "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","derivation":"constraint",
  "differential":{"element":[{"id":"Patient","path":"Patient"},
  {"id":"Patient.active","path":"Patient.active","min":1}]}})";

const char* kParametersProfile = R"({"resourceType":"StructureDefinition",
  "url":"http://acme.test/StructureDefinition/params","name":"P","status":"active",
  "fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"Parameters",
  "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Parameters","derivation":"constraint",
  "differential":{"element":[{"id":"Parameters","path":"Parameters"},
  {"id":"Parameters.parameter","path":"Parameters.parameter",
   "slicing":{"discriminator":[{"type":"value","path":"name"}],"rules":"closed"}},
  {"id":"Parameters.parameter:one","path":"Parameters.parameter","sliceName":"one","min":1,"max":"1"},
  {"id":"Parameters.parameter:one.name","path":"Parameters.parameter.name","fixedString":"one"},
  {"id":"Parameters.parameter:one.value[x]","path":"Parameters.parameter.value[x]","min":1,
   "type":[{"code":"string"}]},
  {"id":"Parameters.parameter:two","path":"Parameters.parameter","sliceName":"two","min":1,"max":"1"},
  {"id":"Parameters.parameter:two.name","path":"Parameters.parameter.name","fixedString":"two"},
  {"id":"Parameters.parameter:two.part","path":"Parameters.parameter.part","min":2,
   "slicing":{"discriminator":[{"type":"value","path":"name"}],"rules":"closed"}},
  {"id":"Parameters.parameter:two.part:a","path":"Parameters.parameter.part","sliceName":"a","min":1,"max":"1"},
  {"id":"Parameters.parameter:two.part:a.name","path":"Parameters.parameter.part.name","fixedString":"a"},
  {"id":"Parameters.parameter:two.part:a.value[x]","path":"Parameters.parameter.part.value[x]",
   "min":1,"type":[{"code":"code"}]},
  {"id":"Parameters.parameter:two.part:b","path":"Parameters.parameter.part","sliceName":"b","min":1,"max":"1"},
  {"id":"Parameters.parameter:two.part:b.name","path":"Parameters.parameter.part.name","fixedString":"b"},
  {"id":"Parameters.parameter:two.part:b.resource","path":"Parameters.parameter.part.resource",
   "min":1,"type":[{"code":"Patient","profile":["http://acme.test/StructureDefinition/active-patient"]}]}
  ]}})";

std::string ParametersWith(std::string_view part_b) {
  return R"({"resourceType":"Parameters","parameter":[{"name":"one","valueString":"x"},
    {"name":"two","part":[{"name":"a","valueCode":"c"},)" +
         std::string(part_b) + "]}]}";
}

TEST(ParametersSlicing, NamedSlicesWithPartsAndProfiledResources) {
  auto v = ValidatorWith({kPatientActive, kParametersProfile});
  std::vector<std::string> profile = {"http://acme.test/StructureDefinition/params"};
  Outcome good = ValidateText(
      *v, ParametersWith(R"({"name":"b","resource":{"resourceType":"Patient","active":true}})"),
      profile);
  EXPECT_TRUE(good.Errors().empty()) << good.Describe();
  // The part's resource misses what its profile requires: found on the resource.
  Outcome inactive = ValidateText(
      *v, ParametersWith(R"({"name":"b","resource":{"resourceType":"Patient"}})"), profile);
  ASSERT_EQ(inactive.Errors().size(), 1u) << inactive.Describe();
  EXPECT_EQ(inactive.Errors()[0]->message_id, "CARDINALITY_MIN");
  EXPECT_EQ(inactive.Errors()[0]->expression, "Parameters.parameter[1].part[1].resource");
  // A part named nothing the closed slicing knows, and the required part b then missing.
  Outcome unknown = ValidateText(*v, ParametersWith(R"({"name":"c","valueString":"y"})"), profile);
  EXPECT_TRUE(unknown.HasError("SLICING_CLOSED")) << unknown.Describe();
  EXPECT_TRUE(unknown.HasError("SLICE_CARDINALITY_MIN")) << unknown.Describe();
  EXPECT_EQ(unknown.Errors().size(), 2u) << unknown.Describe();
}

// R4 profiling.html, discriminator type "profile": "validation by the possible profiles is
// required to differentiate the slices"; a slice allowing two types with a profile each takes an
// entry meeting either, and an entry can only meet a profile of its own type.
TEST(ParametersSlicing, ProfileDiscriminatorOverSeveralTypes) {
  auto profile_of = [](std::string_view type, std::string_view url) {
    return R"({"resourceType":"StructureDefinition","url":")" + std::string(url) +
           R"(","name":"T","status":"active","fhirVersion":"4.0.1","kind":"resource",
      "abstract":false,"type":")" +
           std::string(type) + R"(","baseDefinition":"http://hl7.org/fhir/StructureDefinition/)" +
           std::string(type) + R"(","derivation":"constraint","differential":{"element":[
      {"id":")" +
           std::string(type) + R"(","path":")" + std::string(type) + R"("}]}})";
  };
  std::string bundle_profile = R"({"resourceType":"StructureDefinition",
    "url":"http://acme.test/StructureDefinition/b","name":"B","status":"active",
    "fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"Bundle",
    "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Bundle","derivation":"constraint",
    "differential":{"element":[{"id":"Bundle","path":"Bundle"},
    {"id":"Bundle.entry","path":"Bundle.entry",
     "slicing":{"discriminator":[{"type":"profile","path":"resource"}],"rules":"open"}},
    {"id":"Bundle.entry:pat","path":"Bundle.entry","sliceName":"pat","min":1,"max":"1"},
    {"id":"Bundle.entry:pat.resource","path":"Bundle.entry.resource",
     "type":[{"code":"Patient","profile":["http://acme.test/StructureDefinition/pat"]}]},
    {"id":"Bundle.entry:who","path":"Bundle.entry","sliceName":"who","min":1,"max":"2"},
    {"id":"Bundle.entry:who.resource","path":"Bundle.entry.resource",
     "type":[{"code":"Practitioner","profile":["http://acme.test/StructureDefinition/pr"]},
             {"code":"PractitionerRole","profile":["http://acme.test/StructureDefinition/prr"]}]}
    ]}})";
  auto v = ValidatorWith(
      {profile_of("Patient", "http://acme.test/StructureDefinition/pat"),
       profile_of("Practitioner", "http://acme.test/StructureDefinition/pr"),
       profile_of("PractitionerRole", "http://acme.test/StructureDefinition/prr"), bundle_profile});
  const char* bundle = R"({"resourceType":"Bundle","type":"collection","entry":[
    {"fullUrl":"urn:uuid:0c3a4b36-5a43-4b6e-9a39-6d4a0b1c2d01","resource":{"resourceType":"Patient"}},
    {"fullUrl":"urn:uuid:0c3a4b36-5a43-4b6e-9a39-6d4a0b1c2d02","resource":{"resourceType":"Practitioner"}},
    {"fullUrl":"urn:uuid:0c3a4b36-5a43-4b6e-9a39-6d4a0b1c2d03","resource":{"resourceType":"PractitionerRole"}}]})";
  Outcome o = ValidateText(*v, bundle, {"http://acme.test/StructureDefinition/b"});
  EXPECT_TRUE(o.Errors().empty()) << o.Describe();
}

// R4 profiling.html, discriminator type "type": "The slices are differentiated by type of the
// nominated element". A path through resolve() nominates the referenced resource, so a List
// sliced that way takes one entry per target type its slices name with targetProfile.
TEST(ListSlicing, TypeDiscriminatorThroughResolveUsesTheTargetType) {
  std::string list_profile = R"json({"resourceType":"StructureDefinition",
    "url":"http://acme.test/StructureDefinition/list","name":"L","status":"active",
    "fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"List",
    "baseDefinition":"http://hl7.org/fhir/StructureDefinition/List","derivation":"constraint",
    "differential":{"element":[{"id":"List","path":"List"},
    {"id":"List.entry","path":"List.entry",
     "slicing":{"discriminator":[{"type":"type","path":"item.resolve()"}],"rules":"closed"}},
    {"id":"List.entry:cond","path":"List.entry","sliceName":"cond","min":1,"max":"1"},
    {"id":"List.entry:cond.item","path":"List.entry.item","type":[{"code":"Reference",
     "targetProfile":["http://hl7.org/fhir/StructureDefinition/Condition"]}]},
    {"id":"List.entry:obs","path":"List.entry","sliceName":"obs","min":1,"max":"1"},
    {"id":"List.entry:obs.item","path":"List.entry.item","type":[{"code":"Reference",
     "targetProfile":["http://hl7.org/fhir/StructureDefinition/Observation"]}]}]}})json";
  auto v = ValidatorWith({list_profile});
  auto list_of = [](std::string_view second) {
    return R"({"resourceType":"List","status":"current","mode":"working","contained":[
      {"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p"}},)" +
           std::string(second) + R"(],"entry":[{"item":{"reference":"#c1"}},
      {"item":{"reference":"#x2"}}]})";
  };
  std::vector<std::string> profile = {"http://acme.test/StructureDefinition/list"};
  Outcome good = ValidateText(
      *v,
      list_of(R"({"resourceType":"Observation","id":"x2","status":"final","code":{"text":"t"}})"),
      profile);
  EXPECT_TRUE(good.Errors().empty()) << good.Describe();
  // Two Conditions: the Condition slice has one too many and the Observation slice none.
  Outcome two = ValidateText(
      *v, list_of(R"({"resourceType":"Condition","id":"x2","subject":{"reference":"Patient/p"}})"),
      profile);
  EXPECT_TRUE(two.HasError("SLICE_CARDINALITY_MAX")) << two.Describe();
  EXPECT_TRUE(two.HasError("SLICE_CARDINALITY_MIN")) << two.Describe();
  EXPECT_FALSE(two.HasError("SLICING_CLOSED")) << two.Describe();
  EXPECT_EQ(two.Errors().size(), 2u) << two.Describe();
}

// R4 fhirpath.html, memberOf(valueset): "When invoked on a concept-valued element, returns true
// if any code in the concept is a member of the given valueset". A profile's invariant using it
// is answered from the loaded value sets; a code of a system they do not hold (LOINC here)
// cannot be judged offline and leaves it unjudged, a code of a system the value set does not
// include is not a member.
TEST(Invariants, MemberOfAnsweredFromTheLoadedValueSets) {
  std::string value_set = R"({"resourceType":"ValueSet","url":"http://acme.test/ValueSet/low",
    "status":"draft","compose":{"include":[{
    "system":"http://hl7.org/fhir/allergy-intolerance-criticality","concept":[{"code":"low"}]},
    {"system":"http://loinc.org"}]}})";
  std::string profile = R"json({"resourceType":"StructureDefinition",
    "url":"http://acme.test/StructureDefinition/basic-low","name":"B","status":"active",
    "fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"Basic",
    "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Basic","derivation":"constraint",
    "differential":{"element":[{"id":"Basic","path":"Basic"},{"id":"Basic.code","path":"Basic.code",
    "constraint":[{"key":"low-1","severity":"error","human":"in the value set",
    "expression":"memberOf('http://acme.test/ValueSet/low')"}]}]}})json";
  auto v = ValidatorWith({value_set, profile});
  auto basic = [](std::string_view system, std::string_view code) {
    return R"({"resourceType":"Basic","code":{"coding":[{"system":")" + std::string(system) +
           R"(","code":")" + std::string(code) + R"("}]}})";
  };
  std::vector<std::string> on = {"http://acme.test/StructureDefinition/basic-low"};
  const char* criticality = "http://hl7.org/fhir/allergy-intolerance-criticality";
  auto low1 = [](const Outcome& o) {
    std::vector<std::string> at;
    for (const Issue* i : o.Errors()) {
      if (i->message.find("low-1") != std::string::npos) at.push_back(i->expression);
    }
    return at;
  };
  Outcome in = ValidateText(*v, basic(criticality, "low"), on);
  EXPECT_TRUE(low1(in).empty()) << in.Describe();
  Outcome out = ValidateText(*v, basic(criticality, "high"), on);
  EXPECT_EQ(low1(out), std::vector<std::string>{"Basic.code"}) << out.Describe();
  Outcome unknown = ValidateText(*v, basic("http://loinc.org", "1234-5"), on);
  EXPECT_TRUE(low1(unknown).empty()) << unknown.Describe();
  Outcome elsewhere = ValidateText(*v, basic("http://acme.test/other-system", "low"), on);
  EXPECT_EQ(low1(elsewhere), std::vector<std::string>{"Basic.code"}) << elsewhere.Describe();
}

// R4 CapabilityStatement.rest.resource.searchParam.type: "It SHALL be the same as the type in
// the search parameter definition" (R4's individual-gender, Patient's gender, is a token).
TEST(CapabilityStatements, SearchParamTypeIsTheDefinitionsType) {
  auto v = ValidatorWith({});
  auto capability = [](std::string_view definition, std::string_view type) {
    return R"({"resourceType":"CapabilityStatement","status":"draft","date":"2024-01-01",
      "kind":"requirements","fhirVersion":"4.0.1","format":["json"],"rest":[{"mode":"server",
      "resource":[{"type":"Patient","searchParam":[{"name":"gender","definition":")" +
           std::string(definition) + R"(","type":")" + std::string(type) + R"("}]}]}]})";
  };
  const char* gender = "http://hl7.org/fhir/SearchParameter/individual-gender";
  Outcome same = ValidateText(*v, capability(gender, "token"));
  EXPECT_FALSE(same.HasError("CAPABILITY_SEARCHPARAM_TYPE")) << same.Describe();
  Outcome other = ValidateText(*v, capability(gender, "string"));
  ASSERT_TRUE(other.HasError("CAPABILITY_SEARCHPARAM_TYPE")) << other.Describe();
  for (const Issue* i : other.Errors()) {
    if (i->message_id == "CAPABILITY_SEARCHPARAM_TYPE") {
      EXPECT_EQ(i->expression, "CapabilityStatement.rest[0].resource[0].searchParam[0]");
    }
  }
  // A definition that is not at hand cannot be compared.
  Outcome unknown = ValidateText(*v, capability("http://acme.test/SearchParameter/x", "string"));
  EXPECT_FALSE(unknown.HasError("CAPABILITY_SEARCHPARAM_TYPE")) << unknown.Describe();
}

// ElementDefinition.type.targetProfile: "If any profiles are specified, then the content must
// conform to at least one of them" - judged where the target is at hand (here: contained).
TEST(References, ResolvableTargetMustConformToATargetProfile) {
  std::string observation = R"({"resourceType":"StructureDefinition",
    "url":"http://acme.test/StructureDefinition/obs","name":"O","status":"active",
    "fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"Observation",
    "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Observation","derivation":"constraint",
    "differential":{"element":[{"id":"Observation","path":"Observation"},
    {"id":"Observation.subject","path":"Observation.subject","type":[{"code":"Reference",
     "targetProfile":["http://acme.test/StructureDefinition/active-patient"]}]}]}})";
  auto v = ValidatorWith({kPatientActive, observation});
  auto with_patient = [](std::string_view patient) {
    return R"({"resourceType":"Observation","contained":[)" + std::string(patient) +
           R"(],"status":"final","code":{"text":"x"},"subject":{"reference":"#p"}})";
  };
  std::vector<std::string> profile = {"http://acme.test/StructureDefinition/obs"};
  Outcome inactive =
      ValidateText(*v, with_patient(R"({"resourceType":"Patient","id":"p"})"), profile);
  ASSERT_TRUE(inactive.HasError("REFERENCE_TARGET_PROFILE")) << inactive.Describe();
  EXPECT_EQ(inactive.Errors().size(), 1u) << inactive.Describe();
  Outcome active = ValidateText(
      *v, with_patient(R"({"resourceType":"Patient","id":"p","active":true})"), profile);
  EXPECT_TRUE(active.Errors().empty()) << active.Describe();
}

// --- narrative ---------------------------------------------------------------------------------
// The narrative rules have their own suite: narrative_test.cc.

// --- types ------------------------------------------------------------------------------------

// ElementDefinition.type: "The data type or resource that the value of this element is permitted
// to be". A value of another type breaks that rule once, where it is; the element's binding is for
// the permitted types and does not judge it.
TEST(Types, WrongChoiceTypeIsOneErrorOnTheValue) {
  std::string profile = R"({"resourceType":"StructureDefinition",
    "url":"http://acme.test/StructureDefinition/obs-q","name":"OQ","status":"active",
    "fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"Observation",
    "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Observation","derivation":"constraint",
    "differential":{"element":[{"id":"Observation","path":"Observation"},
    {"id":"Observation.value[x]","path":"Observation.value[x]","type":[{"code":"Quantity"}],
     "binding":{"strength":"required","valueSet":"http://hl7.org/fhir/ValueSet/ucum-bodyweight"}}]}})";
  auto v = ValidatorWith({profile});
  Outcome o = ValidateText(*v, R"({"resourceType":"Observation","status":"final",
    "code":{"text":"x"},"valueString":"test"})",
                           {"http://acme.test/StructureDefinition/obs-q"});
  ASSERT_EQ(o.Errors().size(), 1u) << o.Describe();
  EXPECT_EQ(o.Errors()[0]->message_id, "TYPE_NOT_ALLOWED");
  EXPECT_EQ(o.Errors()[0]->expression, "Observation.value.ofType(string)");
}

}  // namespace
}  // namespace silta::validation
