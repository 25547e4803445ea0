// The page at "/" in a real browser: headless Chromium loads it from the service, a file on disk
// is dragged onto the drop zone (DevTools Input.dispatchDragEvent: the browser's own drag and
// drop, hit-tested at the drop zone, so the page's handlers, file reading, fetch and rendering
// all run as for a person), and the report the service returned must be in the page and on the
// screenshot. Nothing in the product knows it is being tested.
#include <Poco/Base64Decoder.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "base/files.h"
#include "context/context.h"
#include "headless_chromium.h"
#include "serve/serve.h"
#include "support/r4.h"
#include "validation/validation.h"

namespace silta::serve {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int kWidth = 1000;
constexpr int kHeight = 800;
// A Patient with one error (the gender is not in its required value set).
constexpr std::string_view kBadPatient =
    R"({"resourceType":"Patient","id":"p1","gender":"not-a-gender","birthDate":"1985-03-12"})";

json::Value Params(std::initializer_list<std::pair<const char*, json::Value>> members) {
  json::Value params = json::Value::Object();
  for (const auto& [name, value] : members) params[name] = value;
  return params;
}

json::Value Number(double value) {
  std::ostringstream text;
  text << value;
  return json::Value::Number(text.str());
}

class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("silta-browser-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "profile");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

// Evaluates `expression` in the page, returning its value as text.
StatusOr<std::string> Evaluate(testing::HeadlessChromium& browser, const std::string& session,
                               const std::string& expression) {
  SILTA_ASSIGN_OR_RETURN(json::Value result,
                         browser.Call("Runtime.evaluate",
                                      Params({{"expression", json::Value::String(expression)},
                                              {"awaitPromise", json::Value::Bool(true)},
                                              {"returnByValue", json::Value::Bool(true)}}),
                                      session));
  const json::Value* value = result.Find("result");
  if (value != nullptr) value = value->Find("value");
  if (value == nullptr) return InternalError("no value: " + result.ToString());
  return value->text();
}

TEST_F(BrowserTest, DroppedFileShowsTheValidationReport) {
  std::optional<fs::path> chromium = testing::FindChromium();
  if (!chromium) GTEST_SKIP() << "chromium is not installed (apt-get install chromium)";

  ServeConfig config;
  config.port = 0;
  config.threads = 2;
  config.queue_file = dir_ / "queue.sqlite";
  config.open_routes = {"/"};
  config.access_log = "off";
  Services services;
  services.model = silta::testing::R4Model();
  auto core = context::CorePackage();
  ASSERT_TRUE(core.ok()) << core.status().ToString();
  auto validator = validation::Validator::Create(
      packages::ConformanceContext::FromPackages({*core}), services.model);
  ASSERT_TRUE(validator.ok()) << validator.status().ToString();
  services.validate = [v = *validator](const model::Document& document,
                                       std::span<const std::string> profiles,
                                       IssueSink& sink) { v->Validate(document, profiles, sink); };
  auto tokens = TokenStore::Parse("page-token validate\n");
  ASSERT_TRUE(tokens.ok());
  auto server = Server::Start(config, std::move(services), std::move(*tokens));
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/";
  fs::path file = dir_ / "patient.json";
  ASSERT_TRUE(WriteFileAtomically(file, std::string(kBadPatient)).ok());

  auto browser = testing::HeadlessChromium::Launch(*chromium, dir_ / "profile", kWidth, kHeight);
  ASSERT_TRUE(browser.ok()) << browser.status().ToString();
  auto session = (*browser)->OpenTab();
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto call = [&](const std::string& method, json::Value params) {
    auto result = (*browser)->Call(method, params, *session);
    EXPECT_TRUE(result.ok()) << method << ": " << result.status().ToString();
    return result.ok() ? *result : json::Value::Object();
  };
  // The page's viewport exactly (the window size also counts the headless window's frame).
  call("Emulation.setDeviceMetricsOverride", Params({{"width", Number(kWidth)},
                                                     {"height", Number(kHeight)},
                                                     {"deviceScaleFactor", Number(1)},
                                                     {"mobile", json::Value::Bool(false)}}));
  call("Page.enable", json::Value::Object());
  call("Page.navigate", Params({{"url", json::Value::String(url)}}));
  ASSERT_TRUE((*browser)->WaitForEvent("Page.loadEventFired", *session).ok());

  auto title = Evaluate(**browser, *session, "document.title");
  ASSERT_TRUE(title.ok()) << title.status().ToString();
  EXPECT_EQ(*title, "Silta validator");
  // What a person types: the token.
  ASSERT_TRUE(
      Evaluate(**browser, *session, "document.getElementById('token').value = 'page-token'; 'ok'")
          .ok());
  // The middle of the drop zone, where a person would let go of the file.
  auto box = Evaluate(**browser, *session,
                      "(() => { const r = document.getElementById('drop')"
                      ".getBoundingClientRect(); return (r.x + r.width / 2) + ',' + "
                      "(r.y + r.height / 2); })()");
  ASSERT_TRUE(box.ok()) << box.status().ToString();
  double x = std::stod(box->substr(0, box->find(',')));
  double y = std::stod(box->substr(box->find(',') + 1));
  json::Value drag = json::Value::Object();
  drag["items"] = json::Value::Array();
  drag["files"] = json::Value::Array();
  drag["files"].Append(json::Value::String(file.string()));
  drag["dragOperationsMask"] = json::Value::Number("1");  // copy
  for (const char* type : {"dragEnter", "dragOver", "drop"}) {
    call("Input.dispatchDragEvent", Params({{"type", json::Value::String(type)},
                                            {"x", Number(x)},
                                            {"y", Number(y)},
                                            {"data", drag}}));
  }
  // The page fetches $validate and renders the OperationOutcome; wait for the summary.
  auto summary = Evaluate(**browser, *session,
                          "(async () => { const s = document.getElementById('summary');"
                          " for (let i = 0; i < 200 && !s.textContent.includes('HTTP'); i++)"
                          "   await new Promise(r => setTimeout(r, 50));"
                          " return s.textContent; })()");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_THAT(*summary, HasSubstr("patient.json (HTTP 200)"));
  EXPECT_THAT(*summary, HasSubstr("1 error"));
  auto rows = Evaluate(**browser, *session,
                       "[...document.querySelectorAll('#report tbody tr')]"
                       ".map(r => r.className + ': ' + r.cells[2].textContent).join('\\n')");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_THAT(*rows, HasSubstr("error: Patient.gender"));
  // Below it, the same HTML report as `silta validate --html`, in a sandboxed frame.
  auto full = Evaluate(**browser, *session,
                       "(async () => { const f = document.getElementById('full');"
                       " for (let i = 0; i < 200 && (f.hidden || !f.srcdoc); i++)"
                       "   await new Promise(r => setTimeout(r, 50));"
                       " await new Promise(r => setTimeout(r, 300));"
                       " return f.srcdoc; })()");
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_THAT(*full, HasSubstr("id=total-error><b>1</b>"));
  EXPECT_THAT(*full, HasSubstr("id=by-profile"));

  json::Value shot =
      call("Page.captureScreenshot", Params({{"format", json::Value::String("png")}}));
  const json::Value* data = shot.Find("data");
  ASSERT_NE(data, nullptr);
  std::istringstream encoded(data->text());
  Poco::Base64Decoder decoder(encoded);
  std::string png((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  // Kept for a person to look at when the test fails.
  fs::path kept = fs::path(::testing::TempDir()) / "silta-browser-report.png";
  ASSERT_TRUE(WriteFileAtomically(kept, png).ok());
  auto image = testing::DecodePng(png);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->width, kWidth);
  EXPECT_EQ(image->height, kHeight);
  // Not blank, and the error row's background (#fde8e8 in the page's style) is on screen: the
  // report was painted, not only put in the DOM.
  size_t error_row_pixels = 0;
  size_t other_pixels = 0;
  for (size_t i = 0; i + 3 < image->rgba.size(); i += 4) {
    const uint8_t* p = &image->rgba[i];
    auto near = [](int value, int want) { return std::abs(value - want) <= 3; };
    if (near(p[0], 0xfd) && near(p[1], 0xe8) && near(p[2], 0xe8)) ++error_row_pixels;
    if (p[0] != image->rgba[0] || p[1] != image->rgba[1] || p[2] != image->rgba[2]) {
      ++other_pixels;
    }
  }
  EXPECT_GT(other_pixels, 1000u) << "the screenshot is blank; see " << kept;
  EXPECT_GT(error_row_pixels, 2000u) << "no error row painted; see " << kept;
  (*server)->Stop();
}

}  // namespace
}  // namespace silta::serve
