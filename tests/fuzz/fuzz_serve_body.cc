// libFuzzer target for the request-body handling of `silta serve` (serve_http/http_body.h): the
// Content-Encoding decoding with its size limit, and the Content-Type, Accept, _format and
// Accept-Encoding readers. The input is three header lines (Content-Encoding, Content-Type,
// Accept) and then the body. Any input must be decoded or refused with the status the server
// maps to 400/413/415, never a crash, a leak, undefined behaviour, or a body over the limit.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "serve_http/serve_http.h"

namespace {

namespace sv = silta::serve;

// Small, so that inflating past the limit is within the fuzzer's reach.
constexpr size_t kMaxBodyBytes = 64 << 10;

std::string_view NextLine(std::string_view& input) {
  size_t nl = input.find('\n');
  std::string_view line = input.substr(0, nl);
  input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view encoding = NextLine(input);
  std::string_view content_type = NextLine(input);
  std::string_view accept = NextLine(input);

  (void)sv::FormatOfMediaType(content_type);
  (void)sv::ResponseFormat(content_type, accept, silta::formats::Format::kJson);
  (void)sv::ResponseFormat("", accept, silta::formats::Format::kXml);
  (void)sv::WantsHtml(content_type, accept);
  (void)sv::WantsHtml("", accept);
  (void)sv::AcceptsGzip(accept);
  (void)sv::AcceptsGzip(encoding);

  auto body = sv::DecodeRequestBody(encoding, std::string(input), kMaxBodyBytes);
  if (!body.ok()) {
    switch (body.status().code()) {
      case silta::StatusCode::kFailedPrecondition:
      case silta::StatusCode::kDataLoss:
      case silta::StatusCode::kUnimplemented:
        return 0;
      default:
        std::cerr << "unexpected refusal: " << body.status().message() << "\n";
        std::abort();
    }
  }
  if (body->size() > kMaxBodyBytes) {
    std::cerr << "a body of " << body->size() << " bytes passed the limit\n";
    std::abort();
  }
  // What the server sends back gzip'd must come back the same.
  auto back = sv::Gunzip(sv::Gzip(*body), kMaxBodyBytes);
  if (!back.ok() || *back != *body) {
    std::cerr << "gzip round trip failed\n";
    std::abort();
  }
  return 0;
}
