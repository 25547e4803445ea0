// Facade of serve_http: the HTTP body handling of `silta serve` (gzip both ways, the FHIR media
// types and content negotiation). A module of its own, apart from serve, so that its fuzz target
// (tests/fuzz/fuzz_serve_body.cc) links only what parses untrusted bytes, not the server and
// everything it serves. See src/serve_http/README.md.
#pragma once

#include "serve_http/http_body.h"
