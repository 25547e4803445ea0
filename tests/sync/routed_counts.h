// What the projection gives a target of a set of records, as server counts: one resource per
// business identifier (records that share a client share its resources). For the tests about
// idempotence, faults and journals; what routing itself must give is pinned by hand in
// routing_peer_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/numbers.h"
#include "fhirclient/fhirclient.h"
#include "mapping/mapping.h"
#include "sync/projection.h"
#include "sync/routing.h"

namespace silta::testing {

inline std::map<std::string, int> RoutedCounts(
    const mapping::Mapper& mapper, const sync::RoutingPolicy& policy, const std::string& target,
    const std::vector<std::pair<std::string, json::Value>>& records) {
  std::map<std::string, std::set<std::string>> keys;
  const sync::Target* t = policy.FindTarget(target);
  EXPECT_NE(t, nullptr) << target;
  if (t == nullptr) return {};
  for (const auto& [name, record] : records) {
    IssueCollector issues;
    auto bundle = mapper.ToFhir(record, issues);
    EXPECT_TRUE(bundle.has_value()) << name;
    if (!bundle) continue;
    // The client's Patient goes as the anchor of the record's other resources on the target.
    bool others = false;
    std::vector<std::pair<const json::Value*, bool>> resources;
    for (const auto& entry : bundle->Find("entry")->items()) {
      const json::Value& r = *entry.Find("resource");
      resources.emplace_back(&r, r.Find("resourceType")->text() == "Patient");
    }
    std::stable_partition(resources.begin(), resources.end(),
                          [](const auto& r) { return !r.second; });
    for (const auto& [resource_ptr, is_patient] : resources) {
      const json::Value& resource = *resource_ptr;
      std::string value;
      for (const auto& id : resource.Find("identifier")->items()) {
        const json::Value* system = id.Find("system");
        if (system != nullptr && system->text() == mapper.PartIdentifierSystem()) {
          value = id.Find("value")->text();
        }
      }
      auto identity = mapping::Mapper::ParsePartIdentifierValue(value);
      EXPECT_TRUE(identity.has_value()) << name;
      if (!identity) continue;
      for (const auto& m : mapper.modules()) {
        if (m->name != identity->module) continue;
        sync::Projection projection = sync::Project(
            *m, resource, policy, *t, mapper.PartIdentifierSystem(), is_patient && others);
        if (!projection.resource) continue;
        keys[resource.Find("resourceType")->text()].insert(value);
        others = others || !is_patient;
      }
    }
  }
  std::map<std::string, int> counts;
  for (const auto& [type, values] : keys) counts[type] = static_cast<int>(values.size());
  return counts;
}

// Resources made from client records on a server, per type: the server's own count.
inline std::map<std::string, int> ServerCounts(const mapping::Mapper& mapper,
                                               fhirclient::FhirClient& client) {
  std::map<std::string, int> counts;
  for (const auto& m : mapper.modules()) {
    if (counts.contains(m->resource_type)) continue;
    auto page = client
                    .Search(m->resource_type, {{"identifier", mapper.PartIdentifierSystem() + "|"},
                                               {"_summary", "count"}})
                    .NextPage();
    EXPECT_TRUE(page.ok() && page->has_value());
    if (!page.ok() || !page->has_value()) continue;
    auto bundle = json::Value::Parse((*page)->body, "count");
    const json::Value* total = bundle.ok() ? bundle->Find("total") : nullptr;
    EXPECT_NE(total, nullptr) << (*page)->body;
    int n = total != nullptr ? ParseInteger<int>(total->text()).value_or(-1) : -1;
    if (n != 0) counts[m->resource_type] = n;
  }
  return counts;
}

}  // namespace silta::testing
