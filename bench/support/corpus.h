// The benchmark corpus: the example resources of the R4 package (hl7.fhir.r4.examples@4.0.1),
// the same set the peer benchmarks use (the conformance resources and the definition Bundles
// excluded).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/element.h"

namespace silta::bench {

struct CorpusFile {
  std::string name;
  std::string json;
  std::unique_ptr<model::Document> doc;
};

// Loads and parses the corpus once; exits with a message if the R4 package is missing.
const std::vector<CorpusFile>& ExampleCorpus();

}  // namespace silta::bench
