#include "serve_http/http_body.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "base/numbers.h"

namespace silta::serve {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Calls `fn(item)` for each comma-separated item of a header value, trimmed.
template <typename Fn>
void ForEachListItem(std::string_view value, Fn fn) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    if (!item.empty() && fn(item)) return;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

StatusOr<std::string> Gunzip(std::string_view data, size_t max_bytes) {
  z_stream stream{};
  // 32 + MAX_WBITS: accept both gzip and zlib headers.
  if (inflateInit2(&stream, 32 + MAX_WBITS) != Z_OK) return InternalError("zlib init failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&stream);
      return DataLossError("the body is not valid gzip data");
    }
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&stream);
      return FailedPreconditionError("the decompressed body exceeds the size limit");
    }
    if (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      return DataLossError("the gzip data is truncated");
    }
  }
  inflateEnd(&stream);
  return out;
}

std::string Gzip(std::string_view data) {
  z_stream stream{};
  // 16 + MAX_WBITS: a gzip header. Level 1: the bodies are small and latency matters more.
  deflateInit2(&stream, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

StatusOr<std::string> DecodeRequestBody(std::string_view content_encoding, std::string body,
                                        size_t max_bytes) {
  if (body.size() > max_bytes) {
    return FailedPreconditionError("the body exceeds the limit of " + std::to_string(max_bytes) +
                                   " bytes");
  }
  // Content codings are case-insensitive (RFC 9110 8.4.1).
  std::string coding = Lower(Trim(content_encoding));
  if (coding.empty() || coding == "identity") return body;
  if (coding == "gzip" || coding == "x-gzip") return Gunzip(body, max_bytes);
  return UnimplementedError("Content-Encoding must be gzip or identity");
}

bool AcceptsGzip(std::string_view accept_encoding) {
  bool accepted = false;
  ForEachListItem(accept_encoding, [&](std::string_view item) {
    std::string lower = Lower(item);
    std::string_view coding = Trim(std::string_view(lower).substr(0, lower.find(';')));
    if (coding != "gzip" && coding != "x-gzip") return false;
    size_t q = lower.find("q=");
    if (q == std::string::npos) {
      accepted = true;
    } else {
      // A weight that is not a number ("q=x") accepts nothing, rather than reading as 0 or as
      // whatever digits it starts with.
      std::string_view weight = std::string_view(lower).substr(q + 2);
      weight = Trim(weight.substr(0, weight.find(';')));
      std::optional<double> value = ParseDouble(weight);
      accepted = value && *value > 0 && *value <= 1;
    }
    return true;
  });
  return accepted;
}

std::optional<formats::Format> FormatOfMediaType(std::string_view media_type) {
  std::string type = Lower(Trim(media_type.substr(0, media_type.find(';'))));
  if (type == "application/fhir+json" || type == "application/json" || type == "json" ||
      type == "application/json+fhir") {
    return formats::Format::kJson;
  }
  if (type == "application/fhir+xml" || type == "application/xml" || type == "text/xml" ||
      type == "xml" || type == "application/xml+fhir") {
    return formats::Format::kXml;
  }
  return std::nullopt;
}

std::optional<formats::Format> ResponseFormat(std::string_view format_param,
                                              std::string_view accept, formats::Format fallback) {
  if (!format_param.empty()) return FormatOfMediaType(format_param);
  std::optional<formats::Format> chosen;
  ForEachListItem(accept, [&](std::string_view item) {
    chosen = FormatOfMediaType(item);
    return chosen.has_value();
  });
  return chosen.value_or(fallback);
}

bool WantsHtml(std::string_view format_param, std::string_view accept) {
  auto is_html = [](std::string_view media_type) {
    std::string lower = Lower(Trim(media_type.substr(0, media_type.find(';'))));
    return lower == "text/html" || lower == "html";
  };
  if (!format_param.empty()) return is_html(format_param);
  bool html = false;
  ForEachListItem(accept, [&](std::string_view item) {
    html = is_html(item);
    return html || FormatOfMediaType(item).has_value();
  });
  return html;
}

std::string_view FhirMediaType(formats::Format format) {
  return format == formats::Format::kXml ? "application/fhir+xml" : "application/fhir+json";
}

}  // namespace silta::serve
