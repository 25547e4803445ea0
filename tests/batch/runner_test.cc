#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batch/report.h"
#include "batch/runner.h"
#include "support/r4.h"
#include "temp_dir.h"

namespace silta::batch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kPatient = R"({"resourceType":"Patient","id":"p1","active":true})";

std::vector<InputFile> Inputs(
    std::initializer_list<std::pair<std::filesystem::path, InputFormat>> files) {
  std::vector<InputFile> inputs;
  for (const auto& [path, format] : files) {
    inputs.push_back({path, path.filename().string(), format, std::filesystem::file_size(path)});
  }
  return inputs;
}

void NoCheck(const model::Document&, IssueSink&) {}

BatchReport RunAll(std::span<const InputFile> inputs, RunOptions options,
                   ValidateFn validate = NoCheck) {
  BatchReport report;
  BatchRunner runner(silta::testing::R4Model(), std::move(validate), options);
  runner.Run(inputs,
             [&](const InputFile& input, UnitResult&& r) { report.Add(input, std::move(r)); });
  return report;
}

// "line:message_id" for each issue of the first input.
std::vector<std::string> IssueLines(const BatchReport& report) {
  std::vector<std::string> out;
  for (const Issue& issue : report.inputs().at(0).issues) {
    out.push_back(std::to_string(issue.location.line) + ":" + issue.message_id);
  }
  return out;
}

TEST(BatchRunner, ValidatesAJsonAnXmlAndABundleAsWholeResources) {
  testing::TempDir dir;
  auto json = dir.Write("p.json", kPatient);
  auto xml = dir.Write("p.xml",
                       "<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"/></Patient>");
  auto bundle =
      dir.Write("b.json", std::string(R"({"resourceType":"Bundle","type":"collection",)") +
                              R"("entry":[{"resource":)" + std::string(kPatient) +
                              R"(},{"resource":)" + std::string(kPatient) + "}]}");
  auto inputs =
      Inputs({{json, InputFormat::kJson}, {xml, InputFormat::kXml}, {bundle, InputFormat::kJson}});
  std::mutex mu;
  std::vector<std::string> roots;
  BatchReport report = RunAll(inputs, {}, [&](const model::Document& doc, IssueSink&) {
    std::lock_guard<std::mutex> lock(mu);
    roots.push_back(std::string(doc.root()->name()));
  });
  std::sort(roots.begin(), roots.end());
  EXPECT_THAT(roots, ElementsAre("Bundle", "Patient", "Patient"));
  ASSERT_EQ(report.inputs().size(), 3u);
  EXPECT_EQ(report.resources(), 3u);
  EXPECT_FALSE(report.has_errors());
  EXPECT_EQ(ExitCodeFor(report), kExitOk);
}

TEST(BatchRunner, NdjsonIssuesCarryTheLineOfTheFile) {
  testing::TempDir dir;
  std::string text = std::string(kPatient) + "\n" +               // 1
                     "{\"resourceType\":\"Patient\",\n" +         // 2: malformed
                     "\n" +                                       // 3: empty
                     R"({"resourceType":"Patient","bogus":1})" +  // 4: unknown element
                     "\n" + std::string(kPatient) + "\n" +        // 5
                     "{\"resourceType\":\"Pat";                   // 6: cut short
  auto file = dir.Write("data.ndjson", text);
  RunOptions options;
  options.ndjson_lines_per_unit = 2;  // issues from several units must still line up
  BatchReport report = RunAll(Inputs({{file, InputFormat::kNdjson}}), options);
  ASSERT_EQ(report.inputs().size(), 1u);
  const InputSummary& summary = report.inputs()[0];
  EXPECT_EQ(summary.resources, 3u);
  std::vector<std::string> lines = IssueLines(report);
  ASSERT_GE(lines.size(), 5u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0].substr(0, 2), "2:");
  EXPECT_EQ(lines[1], "3:NDJSON_EMPTY_LINE");
  EXPECT_EQ(lines[2].substr(0, 2), "4:");
  EXPECT_EQ(lines[lines.size() - 2].substr(0, 2), "6:");
  EXPECT_EQ(lines.back(), "6:NDJSON_TRUNCATED");
  for (const Issue& issue : summary.issues) EXPECT_EQ(issue.source, "data.ndjson");
  // The unknown element's column is the column within the line.
  EXPECT_EQ(summary.issues[2].location.column, 27u) << summary.issues[2].message;
  EXPECT_EQ(ExitCodeFor(report), kExitErrors);
}

TEST(BatchRunner, InvalidUtf8IsAnIssueNotACrash) {
  testing::TempDir dir;
  auto file = dir.Write("bad.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"\xff\xfe\"}\n" +
                                          std::string(kPatient) + "\n");
  BatchReport report = RunAll(Inputs({{file, InputFormat::kNdjson}}), {});
  EXPECT_EQ(report.inputs()[0].resources, 1u);
  ASSERT_FALSE(report.inputs()[0].issues.empty());
  EXPECT_EQ(report.inputs()[0].issues[0].location.line, 1u);
  EXPECT_TRUE(report.has_errors());
}

TEST(BatchRunner, AByteOrderMarkIsAcceptedAndColumnsStayThoseOfTheFile) {
  testing::TempDir dir;
  auto json = dir.Write("bom.json", "\xEF\xBB\xBF" + std::string(kPatient));
  auto ndjson = dir.Write("bom.ndjson", "\xEF\xBB\xBF{\"resourceType\":\"Patient\",\"bogus\":1}\n" +
                                            std::string(kPatient) + "\n");
  BatchReport report =
      RunAll(Inputs({{json, InputFormat::kJson}, {ndjson, InputFormat::kNdjson}}), {});
  EXPECT_EQ(report.resources(), 3u);
  EXPECT_TRUE(report.inputs()[0].issues.empty());
  ASSERT_EQ(report.inputs()[1].issues.size(), 1u);
  EXPECT_EQ(report.inputs()[1].issues[0].location.line, 1u);
  EXPECT_EQ(report.inputs()[1].issues[0].location.column, 30u);  // 27 after the 3-byte mark
}

TEST(BatchRunner, LinesOverTheLimitAreSkippedWithAClearError) {
  testing::TempDir dir;
  std::string huge = R"({"resourceType":"Patient","id":")" + std::string(100000, 'a') + "\"}";
  auto file = dir.Write("big.ndjson",
                        std::string(kPatient) + "\n" + huge + "\n" + std::string(kPatient) + "\n");
  RunOptions options;
  options.lines.max_line_bytes = 1000;
  options.lines.chunk_bytes = 4096;
  BatchReport report = RunAll(Inputs({{file, InputFormat::kNdjson}}), options);
  EXPECT_EQ(report.inputs()[0].resources, 2u);
  EXPECT_THAT(IssueLines(report), ElementsAre("2:NDJSON_LINE_TOO_LONG"));
  EXPECT_THAT(report.inputs()[0].issues[0].message, HasSubstr("limit"));
}

TEST(BatchRunner, FilesOverTheSizeLimitAreRefused) {
  testing::TempDir dir;
  auto file = dir.Write("p.json", kPatient);
  RunOptions options;
  options.max_file_bytes = 10;
  BatchReport report = RunAll(Inputs({{file, InputFormat::kJson}}), options);
  EXPECT_EQ(report.inputs()[0].resources, 0u);
  ASSERT_EQ(report.inputs()[0].issues.size(), 1u);
  EXPECT_EQ(report.inputs()[0].issues[0].message_id, "BATCH_FILE_TOO_LARGE");
  EXPECT_EQ(ExitCodeFor(report), kExitErrors);
}

TEST(BatchRunner, UnreadableInputsAreIoErrors) {
  testing::TempDir dir;
  auto file = dir.Write("gone.json", kPatient);
  auto ndjson = dir.Write("gone.ndjson", kPatient);
  auto inputs = Inputs({{file, InputFormat::kJson}, {ndjson, InputFormat::kNdjson}});
  std::filesystem::remove(file);
  std::filesystem::remove(ndjson);
  BatchReport report = RunAll(inputs, {});
  ASSERT_EQ(report.inputs().size(), 2u);
  EXPECT_TRUE(report.inputs()[0].io_error);
  EXPECT_TRUE(report.inputs()[1].io_error);
  EXPECT_EQ(ExitCodeFor(report), kExitUsageOrIo);
}

TEST(BatchRunner, AFailingValidatorBecomesAFatalIssue) {
  testing::TempDir dir;
  auto file = dir.Write("p.json", kPatient);
  BatchReport report =
      RunAll(Inputs({{file, InputFormat::kJson}}), {},
             [](const model::Document&, IssueSink&) { throw std::runtime_error("boom"); });
  ASSERT_EQ(report.inputs()[0].issues.size(), 1u);
  EXPECT_EQ(report.inputs()[0].issues[0].severity, Severity::kFatal);
  EXPECT_EQ(report.inputs()[0].issues[0].message_id, "BATCH_VALIDATOR_FAILED");
}

// With one thread the calling thread validates as well as emits; with more it only emits.
TEST(BatchRunner, AThrowingConsumerStopsTheRunCleanly) {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 50; ++i) text += std::string(kPatient) + "\n";
  auto file = dir.Write("a.ndjson", text);
  for (unsigned threads : {1U, 2U}) {
    RunOptions options;
    options.threads = threads;
    options.ndjson_lines_per_unit = 1;
    BatchRunner runner(silta::testing::R4Model(), NoCheck, options);
    int calls = 0;
    EXPECT_THROW(runner.Run(Inputs({{file, InputFormat::kNdjson}}),
                            [&](const InputFile&, UnitResult&&) {
                              if (++calls == 3) throw std::runtime_error("disk full");
                            }),
                 std::runtime_error);
    EXPECT_EQ(calls, 3) << threads << " threads";
  }
}

// Every line gets an issue naming its line; with eight threads, units of one line and
// validators of uneven speed, results must still come out in file order.
// The same with one thread, where the reader still runs ahead on its own thread.
class BatchRunnerOrder : public ::testing::TestWithParam<unsigned> {};

TEST_P(BatchRunnerOrder, ResultsComeInInputOrder) {
  testing::TempDir dir;
  std::string text;
  constexpr int kLines = 2000;
  for (int i = 0; i < kLines; ++i) text += std::string(kPatient) + "\n";
  auto a = dir.Write("a.ndjson", text);
  auto b = dir.Write("b.json", kPatient);
  auto c = dir.Write("c.ndjson", text);
  RunOptions options;
  options.threads = GetParam();
  options.ndjson_lines_per_unit = 1;
  auto validate = [](const model::Document& doc, IssueSink& sink) {
    uint32_t line = doc.root()->location().line;
    if (line % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    Issue issue;
    issue.severity = Severity::kInformation;
    issue.message = "seen";
    issue.location = doc.root()->location();
    sink.Report(issue);
  };
  BatchReport report = RunAll(
      Inputs({{a, InputFormat::kNdjson}, {b, InputFormat::kJson}, {c, InputFormat::kNdjson}}),
      options, validate);
  ASSERT_EQ(report.inputs().size(), 3u);
  EXPECT_EQ(report.inputs()[0].name, "a.ndjson");
  EXPECT_EQ(report.inputs()[1].name, "b.json");
  EXPECT_EQ(report.inputs()[2].name, "c.ndjson");
  for (size_t f : {0u, 2u}) {
    const auto& issues = report.inputs()[f].issues;
    ASSERT_EQ(issues.size(), static_cast<size_t>(kLines));
    for (size_t i = 0; i < issues.size(); ++i) {
      ASSERT_EQ(issues[i].location.line, i + 1) << report.inputs()[f].name;
    }
  }
  EXPECT_EQ(report.resources(), 2u * kLines + 1);
}

INSTANTIATE_TEST_SUITE_P(Threads, BatchRunnerOrder, ::testing::Values(1U, 8U));

// The reader may not run ahead of the results by more than the in-flight limit, however slow
// the consumer: that is what keeps memory bounded on huge inputs.
TEST(BatchRunner, TheReaderStaysAtMostTheInFlightLimitAhead) {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 300; ++i) text += std::string(kPatient) + "\n";
  auto file = dir.Write("a.ndjson", text);
  auto inputs = Inputs({{file, InputFormat::kNdjson}});
  RunOptions options;
  options.threads = 3;
  options.ndjson_lines_per_unit = 1;
  options.max_units_in_flight = 4;
  std::atomic<uint64_t> validated{0};
  uint64_t emitted = 0;
  uint64_t most_ahead = 0;
  BatchRunner runner(
      silta::testing::R4Model(),
      [&](const model::Document&, IssueSink&) { validated.fetch_add(1); }, options);
  runner.Run(inputs, [&](const InputFile&, UnitResult&& r) {
    emitted += r.resources;
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    most_ahead = std::max(most_ahead, validated.load() - emitted);
  });
  EXPECT_EQ(emitted, 300u);
  EXPECT_LE(most_ahead, 4u);
}

}  // namespace
}  // namespace silta::batch
