// `silta validate --ig` with what the HL7 validator's users pass: conformance resource files
// (JSON, XML), folders of them, package tarballs, installed packages, several at once, and
// problems in them reported with file and place.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/files.h"

namespace silta {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// A Patient profile that requires birthDate (differential only: the snapshot is generated).
constexpr const char* kProfileJson = R"({
  "resourceType": "StructureDefinition",
  "url": "http://example.org/fhir/StructureDefinition/born",
  "name": "Born", "status": "active", "kind": "resource", "abstract": false,
  "type": "Patient",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
  "derivation": "constraint",
  "differential": {"element": [{"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1}]}
})";

// The same kind of profile in XML, requiring gender.
constexpr const char* kProfileXml = R"(<StructureDefinition xmlns="http://hl7.org/fhir">
  <url value="http://example.org/fhir/StructureDefinition/gendered"/>
  <name value="Gendered"/>
  <status value="active"/>
  <kind value="resource"/>
  <abstract value="false"/>
  <type value="Patient"/>
  <baseDefinition value="http://hl7.org/fhir/StructureDefinition/Patient"/>
  <derivation value="constraint"/>
  <differential>
    <element id="Patient.gender">
      <path value="Patient.gender"/>
      <min value="1"/>
    </element>
  </differential>
</StructureDefinition>
)";

constexpr const char* kPatient = R"({"resourceType":"Patient","id":"p","active":true})";

struct RunResult {
  int exit_code;
  std::string out;
  std::string err;
};

class IgCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("silta-ig-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    patient_ = Write("patient.json", kPatient);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `args` goes through the shell; the tests use only fixed file names.
  RunResult Run(const std::string& args) {
    fs::path out = dir_ / "stdout.txt";
    fs::path err = dir_ / "stderr.txt";
    std::string cmd = std::string(SILTA_BINARY) + " " + args + " > " + out.string() + " 2> " +
                      err.string() + " < /dev/null";
    int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  }
  std::string Slurp(const fs::path& p) {
    auto text = ReadFile(p);
    return text.ok() ? *text : "";
  }
  fs::path Write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
  std::string Validate(const std::string& igs, const std::string& profile) {
    return "validate " + patient_.string() + " " + igs + " --profile " + profile;
  }

  fs::path dir_;
  fs::path patient_;
};

constexpr const char* kBorn = "http://example.org/fhir/StructureDefinition/born";
constexpr const char* kGendered = "http://example.org/fhir/StructureDefinition/gendered";

TEST_F(IgCliTest, JsonAndXmlResourceFilesSeveralAtOnce) {
  fs::path json = Write("born.json", kProfileJson);
  fs::path xml = Write("gendered.xml", kProfileXml);
  std::string igs = "--ig " + json.string() + " --ig " + xml.string();
  RunResult r = Run(Validate(igs, kBorn) + " --profile " + kGendered);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Patient.birthDate: minimum required = 1"));
  EXPECT_THAT(r.out, HasSubstr("Patient.gender: minimum required = 1"));
}

TEST_F(IgCliTest, FolderOfLooseResources) {
  Write("defs/born.json", kProfileJson);
  Write("defs/gendered.xml", kProfileXml);
  Write("defs/README.md", "not a resource, not read");
  RunResult r = Run(Validate("--ig " + (dir_ / "defs").string(), kGendered));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Patient.gender: minimum required = 1"));
}

TEST_F(IgCliTest, PackageTarballReadWithoutInstalling) {
  Write("pkg/package/package.json",
        R"({"name":"example.born","version":"1.0.0","fhirVersions":["4.0.1"],)"
        R"("dependencies":{"hl7.fhir.r4.core":"4.0.1"}})");
  Write("pkg/package/StructureDefinition-born.json", kProfileJson);
  Write("pkg/package/example/Patient-x.json", kPatient);
  fs::path tgz = dir_ / "example.born.tgz";
  ASSERT_EQ(
      std::system(
          ("tar czf " + tgz.string() + " -C " + (dir_ / "pkg").string() + " package").c_str()),
      0);
  RunResult r = Run(Validate("--ig " + tgz.string(), kBorn));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Patient.birthDate: minimum required = 1"));
}

// R4 ImplementationGuide.global: "A set of profiles that all resources covered by this
// implementation guide must conform to". Validating under a guide passed with --ig holds the
// Patient to the guide's global Patient profile, without --profile; without the guide, not.
TEST_F(IgCliTest, GlobalProfilesOfTheGuideApply) {
  fs::path profile = Write("born.json", kProfileJson);
  fs::path guide = Write("guide.json", R"({"resourceType":"ImplementationGuide",
    "url":"http://example.org/fhir/ImplementationGuide/born-guide","name":"BornGuide",
    "status":"active","packageId":"example.born","fhirVersion":["4.0.1"],
    "global":[{"type":"Patient","profile":"http://example.org/fhir/StructureDefinition/born"}]})");
  RunResult under = Run("validate " + patient_.string() + " --ig " + profile.string() + " --ig " +
                        guide.string());
  EXPECT_EQ(under.exit_code, 1) << under.err;
  EXPECT_THAT(under.out, HasSubstr("Patient.birthDate: minimum required = 1"));
  RunResult without = Run("validate " + patient_.string() + " --ig " + profile.string());
  EXPECT_EQ(without.exit_code, 0) << without.out << without.err;
  EXPECT_THAT(without.out, Not(HasSubstr("Patient.birthDate")));
}

TEST_F(IgCliTest, ProblemsInAFileNameTheFileAndPlace) {
  fs::path bad =
      Write("bad.json", "{\n  \"resourceType\": \"StructureDefinition\",\n  \"url\": }\n");
  RunResult r = Run(Validate("--ig " + bad.string(), kBorn));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(bad.string() + ":3:"));

  fs::path bad_xml =
      Write("bad.xml", "<StructureDefinition xmlns=\"http://hl7.org/fhir\">\n<url>\n");
  r = Run(Validate("--ig " + bad_xml.string(), kBorn));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(bad_xml.string() + ":"));

  fs::path not_resource = Write("plain.json", R"({"hello": "world"})");
  r = Run(Validate("--ig " + not_resource.string(), kBorn));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(not_resource.string()));

  r = Run(Validate("--ig " + (dir_ / "missing.xml").string(), kBorn));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no such file or folder"));
  EXPECT_THAT(r.err, Not(HasSubstr("package cache")));
}

TEST_F(IgCliTest, InstalledPackageByNameAndVersion) {
  RunResult r = Run("validate " + patient_.string() + " --ig hl7.fhir.r4.core#4.0.1");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace silta
