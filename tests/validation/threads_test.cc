// One Validator serves every validating thread (the batch runner's workers, serve's request
// threads), and it fills its caches lazily: compiled profiles (snapshots generated on the way),
// the plans of the base types, the code cache and the terminology expansions behind it, the
// per-thread code memo in front of it. These tests make several threads meet at those first uses
// with a fresh validator and check that each thread gets exactly the answers one thread alone
// gets. scripts/test.sh also runs them under ThreadSanitizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/files.h"
#include "batch/report.h"
#include "batch/runner.h"
#include "batch/temp_dir.h"
#include "fixture.h"
#include "formats/formats.h"
#include "support/r4.h"

namespace silta::validation {
namespace {

namespace fs = std::filesystem;

constexpr size_t kThreads = 4;
const fs::path kFinnish = fs::path(SILTA_SHARED_DIR) / "profiles-fi";

struct Input {
  std::string name;
  std::string text;
};

// An outcome as comparable text: every issue with its place, in the validator's order.
std::string Describe(const testing::Outcome& outcome) {
  std::string out = outcome.parsed ? "" : "(not parsed)\n";
  for (const Issue& i : outcome.issues) {
    out += std::to_string(static_cast<int>(i.severity)) + " " + std::to_string(i.location.line) +
           ":" + std::to_string(i.location.column) + " " + i.expression + " " + i.message + " {" +
           i.message_id + "}\n";
  }
  return out;
}

std::vector<fs::path> JsonFiles(const fs::path& dir, std::string_view prefix = "") {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".json" && name[0] != '.' &&
        name != "package.json" && name.starts_with(prefix)) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Input> Read(const std::vector<fs::path>& files) {
  std::vector<Input> inputs;
  for (const fs::path& file : files) {
    auto text = ReadFile(file);
    EXPECT_TRUE(text.ok()) << file;
    if (text.ok()) inputs.push_back({file.filename().string(), std::move(*text)});
  }
  return inputs;
}

std::shared_ptr<const packages::Package> LoosePackage(const fs::path& dir) {
  auto manifest_text = ReadFile(dir / "package.json");
  EXPECT_TRUE(manifest_text.ok());
  if (!manifest_text.ok()) return nullptr;
  auto manifest = packages::ParseManifest(*manifest_text, (dir / "package.json").string());
  EXPECT_TRUE(manifest.ok());
  if (!manifest.ok()) return nullptr;
  // Loose files: the shared folder is read-only data, no index is written into it.
  auto package = packages::Package::FromFiles(manifest->id(), JsonFiles(dir));
  EXPECT_TRUE(package.ok()) << package.status().ToString();
  return package.ok() ? *package : nullptr;
}

// Validates every input on `threads` threads at once with `validator`; thread t starts at input
// t * n / threads and wraps around, so that first uses meet from different directions. Returns
// each thread's outcomes in input order.
std::vector<std::vector<std::string>> ValidateFromThreads(const Validator& validator,
                                                          const std::vector<Input>& inputs,
                                                          size_t threads) {
  std::vector<std::vector<std::string>> seen(threads, std::vector<std::string>(inputs.size()));
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      size_t start = t * inputs.size() / threads;
      for (size_t k = 0; k < inputs.size(); ++k) {
        size_t i = (start + k) % inputs.size();
        seen[t][i] = Describe(testing::ValidateText(validator, inputs[i].text));
      }
    });
  }
  for (std::thread& th : pool) th.join();
  return seen;
}

// Fresh validators: one answers alone, another for `kThreads` threads at once.
void ExpectThreadsAgreeWithOneThread(
    const std::function<std::shared_ptr<const Validator>()>& make_validator,
    const std::vector<Input>& inputs) {
  ASSERT_FALSE(inputs.empty());
  auto alone = make_validator();
  ASSERT_NE(alone, nullptr);
  std::vector<std::string> expected = ValidateFromThreads(*alone, inputs, 1)[0];
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_FALSE(expected[i].starts_with("(not parsed)")) << inputs[i].name;
  }
  auto shared = make_validator();
  ASSERT_NE(shared, nullptr);
  auto seen = ValidateFromThreads(*shared, inputs, kThreads);
  for (size_t t = 0; t < kThreads; ++t) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      EXPECT_EQ(seen[t][i], expected[i]) << inputs[i].name << " on thread " << t;
    }
  }
}

// Instances of the R4 package, not its definitions (named "<Type>-<id>.json").
std::vector<fs::path> R4Examples(std::string_view type = "") {
  static const std::set<std::string, std::less<>> kDefinitions = {
      "StructureDefinition", "ValueSet",
      "CodeSystem",          "ConceptMap",
      "CapabilityStatement", "SearchParameter",
      "OperationDefinition", "CompartmentDefinition",
      "ImplementationGuide", "NamingSystem",
      "StructureMap",        "GraphDefinition",
      "MessageDefinition",   "TerminologyCapabilities",
      "ExampleScenario"};
  std::vector<fs::path> out;
  for (const fs::path& file : JsonFiles(silta::testing::R4PackageDir())) {
    std::string name = file.filename().string();
    std::string file_type = name.substr(0, name.find('-'));
    if (kDefinitions.count(file_type) != 0) continue;
    if (!type.empty() && file_type != type) continue;
    out.push_back(file);
  }
  return out;
}

// Every resource type's definition is compiled at first use, with its value sets.
TEST(ValidatorThreads, R4ExamplesGetTheSameAnswersOnEveryThread) {
  std::vector<fs::path> files = R4Examples();
  // Every tenth under 64 kB: some seventy, of about fifty resource types; the big Bundles of
  // definitions (20 MB) would be most of the run. Compiling the definitions and expanding the
  // value sets is the rest of the work, twice over, and ThreadSanitizer slows it tenfold.
  std::erase_if(files, [](const fs::path& file) { return fs::file_size(file) >= 64 * 1024; });
  std::vector<fs::path> sample;
  for (size_t i = 0; i < files.size(); i += 10) sample.push_back(files[i]);
  ASSERT_GT(sample.size(), 50u);
  ExpectThreadsAgreeWithOneThread(
      [] {
        auto v = Validator::Create(testing::R4Context(), silta::testing::R4Model());
        EXPECT_TRUE(v.ok()) << v.status().ToString();
        return v.ok() ? *v : nullptr;
      },
      Read(sample));
}

// Silta's profiles have no snapshots (SUSHI writes differentials): the first thread to need one
// generates its snapshot and those of the Finnish Base profiles under it; slicing, bindings to
// Silta's own value sets and the HETU invariant come after.
TEST(ValidatorThreads, SiltaExamplesGetTheSameAnswersOnEveryThread) {
  auto base = LoosePackage(kFinnish / "hl7.fhir.fi.base-2.0.0-rc2");
  auto silta = packages::Package::Load(SILTA_SOURCE_DIR "/profiles/generated");
  ASSERT_NE(base, nullptr);
  ASSERT_TRUE(silta.ok()) << silta.status().ToString();
  auto context = packages::ConformanceContext::FromPackages({*silta, base, testing::R4Package()});
  std::vector<Input> inputs = Read(JsonFiles(SILTA_SOURCE_DIR "/profiles/generated"));
  std::erase_if(inputs, [](const Input& in) {
    return in.name.starts_with("StructureDefinition") || in.name.starts_with("ValueSet") ||
           in.name.starts_with("CodeSystem") || in.name.starts_with("ImplementationGuide");
  });
  ASSERT_GE(inputs.size(), 20u);
  // The Finnish Base examples too: their own profiles, under the same lock as Silta's.
  for (Input& in : Read(JsonFiles(kFinnish / "hl7.fhir.fi.base-2.0.0-rc2" / "examples"))) {
    inputs.push_back(std::move(in));
  }
  ExpectThreadsAgreeWithOneThread(
      [&] {
        ValidatorOptions options;
        options.allow_unknown_extensions = true;
        auto v = Validator::Create(context, silta::testing::R4Model(), options);
        EXPECT_TRUE(v.ok()) << v.status().ToString();
        return v.ok() ? *v : nullptr;
      },
      inputs);
}

// The batch runner's workers share one validator, as `silta validate --threads N` does; the
// report is the same as with one worker.
TEST(ValidatorThreads, BatchRunnerWorkersShareOneValidator) {
  std::vector<fs::path> files;
  for (std::string_view type : {"Patient", "Observation", "Condition", "Encounter"}) {
    for (fs::path& file : R4Examples(type)) files.push_back(std::move(file));
  }
  ASSERT_GT(files.size(), 40u);
  batch::testing::TempDir dir;
  std::string ndjson;
  for (const Input& in : Read(files)) {
    IssueCollector parse_issues;
    auto doc = formats::ParseJson(in.text, silta::testing::R4Model(), parse_issues);
    ASSERT_NE(doc, nullptr) << in.name;
    ndjson += formats::WriteJson(*doc->root(), {.pretty = false}) + "\n";
  }
  fs::path path = dir.Write("examples.ndjson", ndjson);
  std::vector<batch::InputFile> inputs = {
      {path, "examples.ndjson", batch::InputFormat::kNdjson, fs::file_size(path)}};

  auto run = [&](unsigned threads) {
    auto v = Validator::Create(testing::R4Context(), silta::testing::R4Model());
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    std::shared_ptr<const Validator> validator = *v;
    batch::RunOptions options;
    options.threads = threads;
    options.ndjson_lines_per_unit = 2;  // many units, so the workers take turns often
    batch::BatchRunner runner(
        silta::testing::R4Model(),
        [validator](const model::Document& doc, IssueSink& sink) {
          validator->Validate(doc, {}, sink);
        },
        options);
    std::string out;
    runner.Run(inputs, [&](const batch::InputFile&, batch::UnitResult&& r) {
      for (const Issue& i : r.issues) {
        out += std::to_string(i.location.line) + " " + i.expression + " " + i.message + "\n";
      }
    });
    return out;
  };
  std::string alone = run(1);
  EXPECT_EQ(run(kThreads), alone);
}

}  // namespace
}  // namespace silta::validation
