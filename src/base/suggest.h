// "Did you mean": the candidate nearest to a misspelt name, for messages about names that do
// not exist (a record field, a FHIR element).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace silta {

// Levenshtein distance over bytes (names here are ASCII).
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate at the smallest edit distance from `name`, when that distance is small for the
// name's length (at most a third of it, at least 1, at most 3) and only one candidate has it.
std::optional<std::string> NearestName(std::string_view name,
                                       std::span<const std::string> candidates);

}  // namespace silta
