// The first stage of FHIR JSON parsing against simdjson's own floor (issue #14: use simdjson
// "if it measures faster"). Times, on every line of an NDJSON file, in one process:
//   silta    formats::ParseJsonTree as `silta validate` runs it per resource: the arena copy,
//            simdjson On-Demand building Silta's lossless tree with offsets (RapidJSON only for
//            what that refuses or doubts; none of these lines);
//   rapidjson formats::ParseJsonTreeWithRapidJson, the RapidJSON-only path (the stage before
//            simdjson, and ParseJsonTree's fallback);
//   ondemand simdjson's On-Demand API walking every value and taking each value's offset and
//            raw text (the least the tree needs; no tree is built, so this is a lower bound);
//   dom      simdjson's DOM parse (no offsets: DOM cannot give the line:column the validator
//            reports, so it could not replace the tree; shown as simdjson's best case).
// Prints the median of RUNS passes per parser, in ms and MB/s; the passes take turns.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory_resource>
#include <string>
#include <vector>

#include "formats/json_tree.h"

namespace {

using Clock = std::chrono::steady_clock;

size_t WalkOnDemand(simdjson::ondemand::value value, const char* base);

size_t WalkOnDemand(simdjson::ondemand::value value, const char* base) {
  using simdjson::ondemand::json_type;
  size_t offsets = 0;
  json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return 0;
  switch (type) {
    case json_type::object:
      for (auto field : value.get_object()) {
        simdjson::ondemand::raw_json_string key;
        if (field.key().get(key) == simdjson::SUCCESS) offsets += key.raw() > base;
        simdjson::ondemand::value child;
        if (field.value().get(child) == simdjson::SUCCESS) offsets += WalkOnDemand(child, base);
      }
      break;
    case json_type::array:
      for (auto item : value.get_array()) {
        simdjson::ondemand::value child;
        if (item.get(child) == simdjson::SUCCESS) offsets += WalkOnDemand(child, base);
      }
      break;
    default: {
      std::string_view token = value.raw_json_token();
      offsets += token.data() > base;
    }
  }
  return offsets;
}

double Median(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

template <typename Fn>
double TimeMs(Fn&& pass) {
  auto start = Clock::now();
  pass();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: json_tree_vs_simdjson FILE.ndjson [RUNS]\n");
    return 2;
  }
  int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 7;
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  std::vector<std::string> lines;
  size_t bytes = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    bytes += line.size();
    lines.push_back(std::move(line));
  }
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: each line gets its padded copy
  // up front, as a reader filling padded unit buffers would provide.
  std::vector<simdjson::padded_string> padded(lines.begin(), lines.end());

  size_t failures = 0;
  auto silta_pass = [&] {
    std::pmr::monotonic_buffer_resource arena;
    for (const std::string& line : lines) {
      silta::formats::JsonNode root;
      silta::formats::JsonParseError error;
      if (!silta::formats::ParseJsonTree(line, &arena, 256, &root, &error)) ++failures;
      arena.release();
    }
  };
  auto rapidjson_pass = [&] {
    std::pmr::monotonic_buffer_resource arena;
    for (const std::string& line : lines) {
      silta::formats::JsonNode root;
      silta::formats::JsonParseError error;
      if (!silta::formats::ParseJsonTreeWithRapidJson(line, &arena, 256, &root, &error)) {
        ++failures;
      }
      arena.release();
    }
  };
  simdjson::ondemand::parser ondemand;
  size_t offsets = 0;
  auto ondemand_pass = [&] {
    for (const simdjson::padded_string& line : padded) {
      simdjson::ondemand::document doc;
      if (ondemand.iterate(line).get(doc) != simdjson::SUCCESS) {
        ++failures;
        continue;
      }
      simdjson::ondemand::value root;
      if (doc.get_value().get(root) != simdjson::SUCCESS) {
        ++failures;
        continue;
      }
      offsets += WalkOnDemand(root, line.data());
    }
  };
  simdjson::dom::parser dom;
  auto dom_pass = [&] {
    for (const simdjson::padded_string& line : padded) {
      if (dom.parse(line).error() != simdjson::SUCCESS) ++failures;
    }
  };

  // The passes take turns (one of each parser a round), so that a machine shared with other
  // work slows them alike and the medians stay comparable.
  std::vector<double> silta, rapidjson, ondemand_times, dom_times;
  for (int i = 0; i < runs; ++i) {
    silta.push_back(TimeMs(silta_pass));
    rapidjson.push_back(TimeMs(rapidjson_pass));
    ondemand_times.push_back(TimeMs(ondemand_pass));
    dom_times.push_back(TimeMs(dom_pass));
  }
  double silta_ms = Median(silta);
  double rapidjson_ms = Median(rapidjson);
  double ondemand_ms = Median(ondemand_times);
  double dom_ms = Median(dom_times);
  double mb = static_cast<double>(bytes) / 1e6;
  std::printf(
      "input: %s, %zu lines, %.1f MB; median of %d passes, taking turns; simdjson %d.%d.%d, kernel "
      "%s\n",
      argv[1], lines.size(), mb, runs, simdjson::SIMDJSON_VERSION_MAJOR,
      simdjson::SIMDJSON_VERSION_MINOR, simdjson::SIMDJSON_VERSION_REVISION,
      simdjson::get_active_implementation()->name().c_str());
  std::printf("%-42s %9s %9s\n", "parser", "ms", "MB/s");
  auto row = [&](const char* name, double ms) {
    std::printf("%-42s %9.1f %9.0f\n", name, ms, mb / (ms / 1000));
  };
  row("silta ParseJsonTree (simdjson, tree)", silta_ms);
  row("silta ParseJsonTreeWithRapidJson (tree)", rapidjson_ms);
  row("simdjson ondemand walk (no tree)", ondemand_ms);
  row("simdjson DOM (no offsets)", dom_ms);
  std::printf("failures: %zu (must be 0), offsets taken: %zu\n", failures, offsets / runs);
  return failures == 0 ? 0 : 1;
}
