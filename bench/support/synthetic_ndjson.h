// Synthetic Finnish care data for batch benchmarks: Patients (test HETUs from the 900 series,
// Finnish names and addresses), Organizations, Practitioners, Coverage, EpisodeOfCare,
// Encounters, Conditions and Observations, valid against R4 core. Wholly made up: no real
// person can be behind any of it. The same seed gives the same bytes on every platform.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace silta::bench {

class SyntheticResources {
 public:
  explicit SyntheticResources(uint64_t seed = 20240301);

  // The next resource as one line of compact JSON (no line end).
  std::string Next();

 private:
  uint64_t Random();
  uint64_t Below(uint64_t n) { return Random() % n; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }
  std::string Reference(const char* type, const char* prefix, uint64_t count);
  std::string DateTime();

  std::string Patient();
  std::string Organization();
  std::string Practitioner();
  std::string Coverage();
  std::string EpisodeOfCare();
  std::string Encounter();
  std::string Condition();
  std::string Observation();

  uint64_t state_;
  uint64_t patients_ = 0, organizations_ = 0, practitioners_ = 0, coverages_ = 0, episodes_ = 0,
           encounters_ = 0, conditions_ = 0, observations_ = 0;
};

// Writes `count` resources as NDJSON; returns the bytes written.
uint64_t WriteSyntheticNdjson(std::ostream& out, uint64_t count, uint64_t seed = 20240301);

// A finnish personal identity code (HETU) with an individual number from the 900 series, which
// is never given to real people; the check character is computed as for real ones.
std::string TestHetu(int year, int month, int day, int individual_number);

}  // namespace silta::bench
