// Runs the real `silta` binary: exit codes, files and messages as a user sees them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/files.h"

namespace silta {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

struct RunResult {
  int exit_code;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("silta-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `args` is passed through the shell; tests only use fixed, quoted strings.
  RunResult Run(const std::string& args, const std::string& stdin_text = "",
                const std::string& env = "") {
    fs::path in = dir_ / "stdin.txt";
    fs::path out = dir_ / "stdout.txt";
    fs::path err = dir_ / "stderr.txt";
    std::ofstream(in) << stdin_text;
    std::string cmd = env + " " + SILTA_BINARY + " " + args + " < " + in.string() + " > " +
                      out.string() + " 2> " + err.string();
    int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  }

  std::string Slurp(const fs::path& p) {
    auto text = ReadFile(p);
    return text.ok() ? *text : "";
  }

  fs::path Write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }

  fs::path dir_;
};

constexpr const char* kPatient =
    R"({"resourceType":"Patient","id":"p","active":true,"name":[{"family":"Testi"}]})";

TEST_F(CliTest, HelpAndUnknownCommands) {
  RunResult help = Run("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("convert"));
  EXPECT_EQ(Run("convert --help").exit_code, 0);
  RunResult unknown = Run("frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command"));
  EXPECT_EQ(Run("convert --to yaml a b").exit_code, 2);
  EXPECT_EQ(Run("").exit_code, 2);
}

TEST_F(CliTest, ConvertsJsonToXmlFileAndBackThroughStdio) {
  fs::path in = Write("p.json", kPatient);
  fs::path xml = dir_ / "p.xml";
  RunResult r = Run("convert " + in.string() + " " + xml.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string xml_text = Slurp(xml);
  EXPECT_THAT(xml_text, HasSubstr(R"(<Patient xmlns="http://hl7.org/fhir">)"));
  EXPECT_THAT(xml_text, HasSubstr(R"(<active value="true"/>)"));

  RunResult back = Run("convert --to json --compact - -", xml_text);
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(back.out, std::string(kPatient));
}

TEST_F(CliTest, ConvertsManyFilesIntoAFolder) {
  fs::path a = Write("a.json", kPatient);
  fs::path b = Write("b.json", R"({"resourceType":"Organization","name":"Org"})");
  RunResult r = Run("convert --to xml --out-dir " + (dir_ / "out").string() + " " + a.string() +
                    " " + b.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "a.xml"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "b.xml"));
}

TEST_F(CliTest, MalformedInputFailsWithLocationAndWritesNothing) {
  fs::path in = Write("bad.json", "{\n  \"resourceType\": \"Patient\",\n  \"active\": tru\n}");
  fs::path out = dir_ / "bad.xml";
  RunResult r = Run("convert " + in.string() + " " + out.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.json:3:"));
  EXPECT_FALSE(fs::exists(out));

  fs::path unknown = Write("unknown.json", R"({"resourceType":"Patient","nmae":[]})");
  RunResult u = Run("convert " + unknown.string() + " " + out.string());
  EXPECT_EQ(u.exit_code, 1);
  EXPECT_THAT(u.err, HasSubstr("unknown element 'nmae'"));
  EXPECT_FALSE(fs::exists(out));

  fs::path dtd = Write(
      "dtd.xml", R"(<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>)"
                 R"(<Patient xmlns="http://hl7.org/fhir"><id value="&e;"/></Patient>)");
  RunResult d = Run("convert " + dtd.string() + " " + (dir_ / "dtd.json").string());
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_THAT(d.err, HasSubstr("DOCTYPE"));
  EXPECT_THAT(d.err, ::testing::Not(HasSubstr("root:")));
}

TEST_F(CliTest, IoProblemsAreUsageErrors) {
  RunResult missing = Run("convert " + (dir_ / "nope.json").string() + " x.xml");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no such file"));

  fs::path in = Write("p.json", kPatient);
  RunResult unwritable = Run("convert " + in.string() + " /nonexistent-dir/p.xml");
  EXPECT_EQ(unwritable.exit_code, 2);

  RunResult no_package = Run("convert " + in.string() + " " + (dir_ / "p.xml").string(), "",
                             "SILTA_PACKAGE_CACHE=" + (dir_ / "empty-cache").string());
  EXPECT_EQ(no_package.exit_code, 2);
  EXPECT_THAT(no_package.err, HasSubstr("packages install hl7.fhir.r4.core@4.0.1"));
}

TEST_F(CliTest, PackagesListAndBadSpecs) {
  std::string empty_cache = "SILTA_PACKAGE_CACHE=" + (dir_ / "cache").string();
  RunResult list = Run("packages list", "", empty_cache);
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_THAT(list.err, HasSubstr("no packages"));
  RunResult bad = Run("packages install not-a-package-spec", "", empty_cache);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("NAME@VERSION"));
  EXPECT_EQ(Run("packages", "", empty_cache).exit_code, 2);
  RunResult installed = Run("packages list");
  EXPECT_EQ(installed.exit_code, 0);
  EXPECT_THAT(installed.out, HasSubstr("hl7.fhir.r4.core#4.0.1"));
}

// A folder of conformance resources without package.json (Kanta PHR, as HL7 Finland publishes
// it) installs only under a name its user gives; the refusal says how.
TEST_F(CliTest, PackagesInstallAFolderWithoutManifestAs) {
  std::string cache = "SILTA_PACKAGE_CACHE=" + (dir_ / "as-cache").string();
  fs::create_directories(dir_ / "flat");
  std::ofstream(dir_ / "flat" / "StructureDefinition-x.json")
      << R"({"resourceType": "StructureDefinition", "url": "http://example.org/x", "version": "1",
            "name": "X", "status": "draft", "kind": "logical", "abstract": false, "type": "X"})";
  const std::string folder = (dir_ / "flat").string();
  RunResult bare = Run("packages install " + folder, "", cache);
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_THAT(bare.err, HasSubstr("--as NAME@VERSION"));
  RunResult as = Run("packages install " + folder + " --as example.flat@0.1.0", "", cache);
  ASSERT_EQ(as.exit_code, 0) << as.err;
  EXPECT_THAT(as.out, HasSubstr("example.flat#0.1.0 installed"));
  EXPECT_THAT(Run("packages list", "", cache).out, HasSubstr("example.flat#0.1.0"));
  EXPECT_EQ(Run("packages install " + folder + " --as no-version", "", cache).exit_code, 2);
  RunResult two = Run("packages install " + folder + " " + folder + " --as a.b@1.0.0", "", cache);
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_THAT(two.err, HasSubstr("--as names one package folder or tarball"));
}

TEST_F(CliTest, FhirpathPrintsTypedResultsOnePerLine) {
  fs::path in = Write("p.json", kPatient);
  RunResult one = Run("fhirpath --input " + in.string() + " \"name.family\"");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "[{\"type\":\"string\",\"value\":\"Testi\"}]\n");

  fs::path list = Write("exprs.txt", "active\nname.(\n1.5 + 1\n");
  RunResult many = Run("fhirpath --input " + in.string() + " --expressions " + list.string());
  ASSERT_EQ(many.exit_code, 0) << many.err;
  EXPECT_EQ(many.out,
            "{\"ok\":true,\"result\":[{\"type\":\"boolean\",\"value\":\"true\"}]}\n"
            "{\"ok\":false,\"error\":\"syntax error at 1:6: expected a name after '.'\"}\n"
            "{\"ok\":true,\"result\":[{\"type\":\"decimal\",\"value\":\"2.5\"}]}\n");

  RunResult syntax = Run("fhirpath --input " + in.string() + " \"name.(\"");
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_THAT(syntax.err, HasSubstr("1:6"));
}

// The command compiles, evaluates and prints after the expression is gone: results that view a
// literal once printed freed heap memory.
TEST_F(CliTest, FhirpathResultsThatViewLiteralsPrintTheLiteral) {
  fs::path in = Write("p.json", kPatient);
  RunResult one =
      Run("fhirpath --input " + in.string() + " \"'LogicalModel-Person'.substring(0, 12)\"");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "[{\"type\":\"string\",\"value\":\"LogicalModel\"}]\n");

  // Arguments are evaluated on the function's input (the Patient), not on its focus, so the
  // first line is an error by the specification.
  fs::path list =
      Write("exprs.ndjson",
            "\"'LogicalModel-Person'.substring(0, indexOf('-'))\"\n"
            "\"'LogicalModel-Person'.substring(0, 'LogicalModel-Person'.indexOf('-'))\"\n"
            "\"'a b'.split(' ').last() &\\n 'x'\"\n");
  RunResult many = Run("fhirpath --input " + in.string() + " --expressions " + list.string());
  ASSERT_EQ(many.exit_code, 0) << many.err;
  EXPECT_EQ(many.out,
            "{\"ok\":false,\"error\":\"execution error at 1:36: indexOf() needs a String "
            "input, not Patient\"}\n"
            "{\"ok\":true,\"result\":[{\"type\":\"string\",\"value\":\"LogicalModel\"}]}\n"
            "{\"ok\":true,\"result\":[{\"type\":\"string\",\"value\":\"bx\"}]}\n");

  // No input: the expression is evaluated on an empty collection.
  RunResult none = Run("fhirpath \"'abc-def'.substring(4)\"");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "[{\"type\":\"string\",\"value\":\"def\"}]\n");

  fs::path bad = Write("bad.ndjson", "\"1 + 1\"\nnot json\n");
  RunResult broken = Run("fhirpath --expressions " + bad.string());
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.err, HasSubstr("bad.ndjson:2:"));
}

}  // namespace
}  // namespace silta

namespace silta {
namespace {

bool IsEmptyFolder(const fs::path& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || fs::is_empty(dir, ec);
}

// Every record that breaks the contract is rejected by `silta map to-fhir` with exit 1, and
// nothing of it is written.
TEST_F(CliTest, MapToFhirRejectsEveryBadRecordAndWritesNothing) {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(SILTA_SOURCE_DIR "/tests/records/testdata/bad")) {
    if (entry.path().extension() == ".expected") continue;
    SCOPED_TRACE(entry.path().filename().string());
    fs::path out = dir_ / ("out-" + entry.path().stem().string());
    RunResult r = Run("map to-fhir " + entry.path().string() + " --out " + out.string());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("rejected, nothing written"));
    EXPECT_TRUE(IsEmptyFolder(out));
    ++files;
  }
  EXPECT_GE(files, 20);
}

TEST_F(CliTest, MapsTheExampleRecordsToFhirAndBack) {
  fs::path fhir = dir_ / "fhir";
  fs::path back = dir_ / "back";
  RunResult to = Run("map to-fhir " SILTA_SOURCE_DIR "/examples/records --out " + fhir.string());
  EXPECT_EQ(to.exit_code, 0) << to.err;
  EXPECT_THAT(to.err, HasSubstr("16 record(s) mapped, 0 rejected"));
  EXPECT_TRUE(fs::exists(fhir / "aino-virtanen.bundle.json"));
  EXPECT_TRUE(fs::exists(fhir / "batch.2.bundle.json"));
  RunResult from = Run("map from-fhir " + fhir.string() + " --out " + back.string());
  EXPECT_EQ(from.exit_code, 0) << from.err;
  EXPECT_THAT(from.err, HasSubstr("16 record(s) written, 0 rejected"));
  EXPECT_TRUE(fs::exists(back / "matti-korhonen.json"));
}

// Issue #14: Silta's own output is clean. Every mapped resource has a generated narrative, so
// validating the Bundles against Silta's profiles gives no error and no dom-6 warning; and with
// the packages setup installs, FI Base's dependencies are all there.
TEST_F(CliTest, MappedExampleRecordsValidateWithoutErrorsOrDom6) {
  fs::path fhir = dir_ / "fhir";
  RunResult to = Run("map to-fhir " SILTA_SOURCE_DIR "/examples/records --out " + fhir.string());
  ASSERT_EQ(to.exit_code, 0) << to.err;
  fs::path outcome = dir_ / "outcome.json";
  RunResult v = Run("validate " + fhir.string() +
                    " --ig " SILTA_SOURCE_DIR "/profiles/generated --output " + outcome.string());
  EXPECT_EQ(v.exit_code, 0) << v.err;
  std::string report = Slurp(outcome);
  ASSERT_THAT(report, HasSubstr("OperationOutcome"));
  EXPECT_THAT(report, Not(HasSubstr("\"error\""))) << report.substr(0, 2000);
  EXPECT_THAT(report, Not(HasSubstr("dom-6")));
  EXPECT_THAT(v.err, Not(HasSubstr("not in the package cache"))) << "run scripts/setup.sh";
  EXPECT_THAT(v.out + v.err, HasSubstr("16 files, 16 resources: 0 errors"));
  std::string bundle = Slurp(fhir / "aino-virtanen.bundle.json");
  EXPECT_THAT(bundle, HasSubstr(R"("status": "generated")"));
  EXPECT_THAT(bundle, HasSubstr("<tr><th>syntymäaika</th><td>15.3.1986</td></tr>"));
}

}  // namespace
}  // namespace silta
