// Request and response bodies: gzip both ways and the FHIR media types.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "formats/formats.h"

namespace silta::serve {

// Inflates a gzip (or zlib) body. FailedPrecondition when the result would exceed `max_bytes`
// (the caller answers 413), DataLoss when the data is not gzip.
StatusOr<std::string> Gunzip(std::string_view data, size_t max_bytes);
std::string Gzip(std::string_view data);

// The body a handler sees, from the bytes received (which the server stops reading past
// `max_bytes`) and the request's Content-Encoding: identity (or no header) or gzip/x-gzip, in
// any letter case. The status says how to refuse: FailedPrecondition when the body or what it
// inflates to exceeds `max_bytes` (413), DataLoss when it is not gzip (400), Unimplemented for
// other codings (415). Pure, so that it can be fuzzed without a server.
StatusOr<std::string> DecodeRequestBody(std::string_view content_encoding, std::string body,
                                        size_t max_bytes);

// True when an Accept-Encoding header value admits gzip (q=0 refuses it).
bool AcceptsGzip(std::string_view accept_encoding);

// The format of a Content-Type ("application/fhir+json; charset=utf-8" → JSON); nullopt for
// types that are neither JSON nor XML.
std::optional<formats::Format> FormatOfMediaType(std::string_view media_type);

// The response format: the _format parameter ("json", "xml", "application/fhir+xml"...), else
// the first JSON or XML type in Accept, else `fallback`. nullopt when _format names another
// format; an Accept without JSON or XML (such as */*) falls back, as FHIR servers do.
std::optional<formats::Format> ResponseFormat(std::string_view format_param,
                                              std::string_view accept, formats::Format fallback);

std::string_view FhirMediaType(formats::Format format);  // "application/fhir+json"...

// True when the client prefers an HTML page to a FHIR resource: _format=html (or text/html),
// or an Accept whose first HTML, JSON or XML type is text/html (a browser's default Accept).
bool WantsHtml(std::string_view format_param, std::string_view accept);

}  // namespace silta::serve
