// The JSON layer every module shares: `json::Value`, a mutable DOM for configs, policies,
// mapping files, records as JSON and the resources mapping builds; and the helpers over
// RapidJSON documents (definitions, packages, server answers). FHIR's lossless reader tree is
// formats::JsonNode, FHIR's element tree model::Element.
#pragma once

#include "json/rapid.h"
#include "json/value.h"
