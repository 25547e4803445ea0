// Facade of the fhirclient module: a FHIR R4 REST client (FhirClient) over an HttpTransport
// (CurlTransport in production), with retries, OAuth2 / SMART Backend Services / mTLS and
// logging that never shows query values.
#pragma once

#include "fhirclient/auth.h"
#include "fhirclient/bundle.h"
#include "fhirclient/client.h"
#include "fhirclient/clock.h"
#include "fhirclient/curl_transport.h"
#include "fhirclient/http.h"
#include "fhirclient/jwt.h"
#include "fhirclient/logging.h"
#include "fhirclient/retry.h"
