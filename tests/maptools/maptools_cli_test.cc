// silta mappings check | coverage | test, and silta map refusing mappings that fail the check:
// the real binary on scratch copies of the repository's mappings/ and examples/records/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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

class MappingsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("silta-maptools-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy(SILTA_SOURCE_DIR "/mappings", dir_ / "mappings", fs::copy_options::recursive);
    fs::create_directories(dir_ / "examples");
    fs::copy(SILTA_SOURCE_DIR "/examples/records", dir_ / "examples" / "records",
             fs::copy_options::recursive);
    mappings_ = (dir_ / "mappings").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `prefix` goes before the binary (a `timeout`).
  RunResult Run(const std::string& args, const std::string& prefix = "") {
    fs::path out = dir_ / "stdout.txt";
    fs::path err = dir_ / "stderr.txt";
    std::string cmd = prefix + SILTA_BINARY + " " + args + " < /dev/null > " + out.string() +
                      " 2> " + err.string();
    int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  }

  static std::string Slurp(const fs::path& p) {
    auto text = ReadFile(p);
    return text.ok() ? *text : "";
  }

  // Replaces the one occurrence of `from` in the scratch copy of `file`.
  void Edit(const std::string& file, const std::string& from, const std::string& to) {
    fs::path path = dir_ / file;
    std::string text = Slurp(path);
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << file;
    ASSERT_EQ(text.find(from, at + 1), std::string::npos) << from << " twice in " << file;
    text.replace(at, from.size(), to);
    std::ofstream(path, std::ios::trunc) << text;
  }

  // "file:line:column" of the first occurrence of `needle` in a scratch file, counted here from
  // the text, independently of the tool under test.
  std::string LocationOf(const std::string& file, const std::string& needle) {
    std::string text = Slurp(dir_ / file);
    size_t at = text.find(needle);
    EXPECT_NE(at, std::string::npos);
    size_t line = 1 + std::count(text.begin(), text.begin() + at, '\n');
    size_t line_start = text.rfind('\n', at);
    size_t column = line_start == std::string::npos ? at + 1 : at - line_start;
    return (dir_ / file).string() + ":" + std::to_string(line) + ":" + std::to_string(column);
  }

  fs::path dir_;
  std::string mappings_;
};

// The typo of issue 18: a record path that is no contract field loses the field silently
// unless the check catches it, and nothing may run such a mapping: not map, sync or serve.
TEST_F(MappingsCliTest, RecordPathTypoIsNamedWithLocationAndSuggestionAndMapRefusesToRun) {
  Edit("mappings/client/mapping.json", "\"record\": \"permitNumber\"",
       "\"record\": \"permitNumbr\"");
  RunResult check = Run("mappings check " + mappings_);
  EXPECT_EQ(check.exit_code, 1) << check.err;
  EXPECT_THAT(check.err, HasSubstr(LocationOf("mappings/client/mapping.json", "\"permitNumbr\"") +
                                   ": error: "));
  EXPECT_THAT(check.err, HasSubstr("permitNumbr"));
  EXPECT_THAT(check.err, HasSubstr("did you mean permitNumber?"));

  fs::path out = dir_ / "out";
  RunResult map = Run("map to-fhir --mappings " + mappings_ + " --out " + out.string() + " " +
                      (dir_ / "examples/records/temporary-id-asylum-seeker.json").string());
  EXPECT_NE(map.exit_code, 0);
  EXPECT_THAT(map.err, HasSubstr("permitNumbr"));
  EXPECT_THAT(map.err, HasSubstr("silta mappings check"));
  EXPECT_FALSE(fs::exists(out) && !fs::is_empty(out)) << "nothing may be written";

  RunResult sync = Run("sync push --mappings " + mappings_ + " --policy /nonexistent " +
                       (dir_ / "examples/records/temporary-id-asylum-seeker.json").string());
  EXPECT_NE(sync.exit_code, 0);
  EXPECT_THAT(sync.err, HasSubstr("permitNumbr"));

  // serve would otherwise start and answer $map-to-fhir with the broken mapping; the timeout
  // only ends a server that wrongly started.
  fs::path config = dir_ / "serve.json";
  std::ofstream(config) << "{\"mappingsDir\": \"mappings\", \"port\": 0}";
  RunResult serve = Run("serve --config " + config.string(), "timeout 60 ");
  EXPECT_EQ(serve.exit_code, 2) << serve.err;
  EXPECT_THAT(serve.err, HasSubstr("permitNumbr"));
}

TEST_F(MappingsCliTest, TheRepositorysMappingsPassAndAccountForEveryContractField) {
  RunResult check = Run("mappings check " + mappings_);
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.err, HasSubstr("every contract field accounted for"));
}

TEST_F(MappingsCliTest, FhirPathsAreHeldToTheResourceTypeAndTheProfile) {
  Edit("mappings/client/mapping.json", "extension('holderName')", "extension('holdrName')");
  Edit("mappings/client/mapping.json", "StructureDefinition/education'",
       "StructureDefinition/educaton'");
  RunResult check = Run("mappings check " + mappings_);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_THAT(check.err,
              HasSubstr(LocationOf("mappings/client/mapping.json", "\"extension('holdrName')") +
                        ": error: "));
  EXPECT_THAT(check.err, HasSubstr("has no sub-extension holdrName (did you mean holderName?)"));
  EXPECT_THAT(check.err,
              HasSubstr("https://silta.example.fi/fhir/StructureDefinition/educaton is no "
                        "extension definition"));

  // An element the resource type lacks stops the module from loading: reported alone, with its
  // location and the element meant, not once more for each nested rule.
  Edit("mappings/client/mapping.json", "\"fhir\": \"address\",", "\"fhir\": \"adress\",");
  RunResult typo = Run("mappings check " + mappings_);
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_THAT(typo.err,
              HasSubstr(LocationOf("mappings/client/mapping.json", "\"adress\"") + ": error: "));
  EXPECT_THAT(typo.err, HasSubstr("Patient has no element adress (did you mean address?)"));
  EXPECT_THAT(typo.err, Not(HasSubstr("? has no element")));
  EXPECT_THAT(typo.err, HasSubstr("1 problem(s)"));
}

// The canonical base is written {canonical} in mapping files (MapperOptions::canonical_base
// fills it in); a file that spells the base out would not follow a deployment's base.
TEST_F(MappingsCliTest, AHardCodedCanonicalBaseIsReportedWhereItIs) {
  Edit("mappings/guidance/mapping.json", "\"{canonical}/StructureDefinition/silta-guidance\"",
       "\"https://silta.example.fi/fhir/StructureDefinition/silta-guidance\"");
  RunResult check = Run("mappings check " + mappings_);
  EXPECT_EQ(check.exit_code, 1) << check.err;
  EXPECT_THAT(check.err,
              HasSubstr(LocationOf("mappings/guidance/mapping.json",
                                   "\"https://silta.example.fi/fhir/StructureDefinition/") +
                        ": error: profile: \"https://silta.example.fi/fhir\" is Silta's "
                        "canonical base written out: write {canonical} instead"));
  EXPECT_THAT(check.err, HasSubstr("1 problem(s)"));
}

// FHIR's ContactPoint.use codes (home | work | temp | old | mobile) are the value set the
// telecom code map feeds (R4 ContactPoint, required binding).
TEST_F(MappingsCliTest, CodeMapEntriesOutsideTheBoundValueSetAreReported) {
  Edit("mappings/client/mapping.json", "\"mobile\",\n        \"mobile\"",
       "\"mobile\",\n        \"cellphone\"");
  RunResult check = Run("mappings check " + mappings_);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_THAT(check.err, HasSubstr(LocationOf("mappings/client/mapping.json", "\"cellphone\"")));
  EXPECT_THAT(check.err,
              HasSubstr("\"cellphone\" is not in http://hl7.org/fhir/ValueSet/contact-point-use"));
}

TEST_F(MappingsCliTest, EveryContractFieldNeedsARuleOrAReasonedUnmappedEntry) {
  // Without the client module's "unmapped" entry, recordVersion is unaccounted for.
  std::string text = Slurp(dir_ / "mappings/client/mapping.json");
  size_t begin = text.find("  \"unmapped\": [");
  ASSERT_NE(begin, std::string::npos);
  size_t end = text.find("],\n", begin);
  std::string unmapped = text.substr(begin, end + 3 - begin);
  Edit("mappings/client/mapping.json", unmapped, "");
  RunResult check = Run("mappings check " + mappings_);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_THAT(check.err, HasSubstr("the contract field recordVersion is mapped by no module"));
  RunResult coverage = Run("mappings coverage " + mappings_);
  EXPECT_EQ(coverage.exit_code, 1);
  EXPECT_THAT(coverage.out, HasSubstr("recordVersion\t\tUNACCOUNTED"));

  // An entry for a field a rule maps after all is a contradiction.
  Edit("mappings/client/mapping.json", "  \"codeMaps\": {",
       "  \"unmapped\": [{\"record\": \"birthDate\", \"reason\": \"x\"}],\n  \"codeMaps\": {");
  RunResult mapped = Run("mappings check " + mappings_);
  EXPECT_EQ(mapped.exit_code, 1);
  EXPECT_THAT(mapped.err, HasSubstr("birthDate is listed as unmapped, but a rule maps birthDate"));
}

// The levels are the domain brief's (docs/akusti-data-set.md, item 8 "asylum, residence
// permit": national; item 17 professionals: joint-county).
TEST_F(MappingsCliTest, CoverageTablesFollowFieldModuleElementItemLevel) {
  RunResult text = Run("mappings coverage " + mappings_);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("residencePermit.permitNumber\tclient\tPatient.extension("
                                  "residence-permit).extension('permitNumber').valueString\t8\t"
                                  "national\n"));
  EXPECT_THAT(text.out, HasSubstr("professionals[].name.family\tprofessionals\t"
                                  "Practitioner.name.family\t17\tjoint-county\n"));
  EXPECT_THAT(text.out, Not(HasSubstr("UNACCOUNTED")));
  RunResult markdown = Run("mappings coverage --format markdown " + mappings_);
  EXPECT_EQ(markdown.exit_code, 0);
  EXPECT_THAT(markdown.out, HasSubstr("| `residencePermit.permitNumber` | `client` |"));
  fs::path html = dir_ / "coverage.html";
  RunResult to_file =
      Run("mappings coverage --format html --out " + html.string() + " " + mappings_);
  EXPECT_EQ(to_file.exit_code, 0);
  EXPECT_THAT(Slurp(html), HasSubstr("<td><code>residencePermit.permitNumber</code></td>"));

  // A page whose generated table no longer matches is stale; --update-doc rewrites it.
  fs::path page = dir_ / "page.md";
  std::ofstream(page) << "# x\n<!-- BEGIN silta mappings coverage: fields -->\n| old |\n"
                         "<!-- END silta mappings coverage -->\nafter\n";
  EXPECT_EQ(Run("mappings coverage --check-doc " + page.string() + " " + mappings_).exit_code, 1);
  EXPECT_EQ(Run("mappings coverage --update-doc " + page.string() + " " + mappings_).exit_code, 0);
  EXPECT_EQ(Run("mappings coverage --check-doc " + page.string() + " " + mappings_).exit_code, 0);
  EXPECT_THAT(Slurp(page), HasSubstr("| `residencePermit.permitNumber` | `client` |"));
  EXPECT_THAT(Slurp(page), HasSubstr("<!-- END silta mappings coverage -->\nafter\n"));
}

TEST_F(MappingsCliTest, TestRunsTheGoldenCasesAndNamesTheFirstDifference) {
  RunResult pass = Run("mappings test " + mappings_);
  EXPECT_EQ(pass.exit_code, 0) << pass.out << pass.err;
  EXPECT_THAT(pass.out, HasSubstr("PASS aino-virtanen\n"));

  Edit("mappings/client/testdata/aino-virtanen.json", "\"family\": \"Virtanen\"",
       "\"family\": \"Virtamo\"");
  RunResult fail = Run("mappings test " + mappings_);
  EXPECT_EQ(fail.exit_code, 1);
  EXPECT_THAT(fail.out, HasSubstr("FAIL aino-virtanen"));
  EXPECT_THAT(fail.out, HasSubstr("first difference at /0/name/0/family"));

  // --update rewrites the golden files from the mapping; then the cases pass again.
  EXPECT_EQ(Run("mappings test --update " + mappings_).exit_code, 0);
  EXPECT_EQ(Run("mappings test " + mappings_).exit_code, 0);
  EXPECT_THAT(Slurp(dir_ / "mappings/client/testdata/aino-virtanen.json"),
              HasSubstr("\"family\": \"Virtanen\""));
}

// A module may bring its own cases without touching examples/records: testdata/<name>.record.json
// and the module's resources for it in testdata/<name>.json.
TEST_F(MappingsCliTest, AModulesOwnCaseNeedsNoExampleRecord) {
  fs::copy_file(dir_ / "examples/records/aino-virtanen.json",
                dir_ / "mappings/client/testdata/own-case.record.json");
  RunResult missing = Run("mappings test " + mappings_);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.out, HasSubstr("own-case.json is missing"));
  EXPECT_EQ(Run("mappings test --update " + mappings_).exit_code, 0);
  EXPECT_EQ(Slurp(dir_ / "mappings/client/testdata/own-case.json"),
            Slurp(dir_ / "mappings/client/testdata/aino-virtanen.json"));
  RunResult pass = Run("mappings test " + mappings_);
  EXPECT_EQ(pass.exit_code, 0) << pass.out;
  EXPECT_THAT(pass.out, HasSubstr("PASS own-case (client)"));
}

}  // namespace
}  // namespace silta
