// silta mappings coverage: contract field → module → FHIR element → AKUSTI item → level, and
// the tables of the READMEs generated from it.
#include <algorithm>
#include <map>
#include <set>

#include "maptools/analysis.h"
#include "maptools/maptools.h"
#include "sync/routing.h"

namespace silta::maptools {
namespace {

// The level routing gives an item: the item table's (src/sync, from docs/akusti-items.json);
// items the workshop left open go to a deployment's default level, county unless it says.
std::string LevelOf(int item) {
  for (const sync::AkustiItem& known : sync::AkustiItems()) {
    if (known.number != item) continue;
    if (known.level) return std::string(sync::LevelName(*known.level));
    return "open (county unless the policy says)";
  }
  return "not an AKUSTI item";
}

std::vector<int> ModuleItems(const mapping::Module& module) {
  std::set<int> items;
  if (module.akusti_by) {
    for (const auto& [value, item] : module.akusti_by->items) items.insert(item);
    if (module.akusti_by->otherwise) items.insert(*module.akusti_by->otherwise);
  } else {
    items.insert(module.akusti.begin(), module.akusti.end());
  }
  return {items.begin(), items.end()};
}

std::string ItemList(const std::vector<int>& items) {
  std::string out;
  for (int item : items) out += (out.empty() ? "" : ", ") + std::to_string(item);
  return out;
}

std::string LevelList(const std::vector<int>& items) {
  std::map<std::string, std::vector<int>> by_level;
  for (int item : items) by_level[LevelOf(item)].push_back(item);
  if (by_level.size() == 1) return by_level.begin()->first;
  std::string out;
  for (const auto& [level, its] : by_level) {
    out += (out.empty() ? "" : "; ") + ItemList(its) + ": " + level;
  }
  return out;
}

void ItemsOf(const internal::FieldUse& use, CoverageRow& row) {
  const mapping::Module& module = *use.module;
  if (module.has_resource_items()) {
    std::vector<int> items = ModuleItems(module);
    row.items = ItemList(items);
    if (module.akusti_by) {
      row.items += " (by " + internal::ShortenUrls(module.akusti_by->fhir.text) + ")";
    }
    row.levels = LevelList(items);
  } else if (use.top_level_item && *use.top_level_item != mapping::kIdentityCore) {
    row.items = std::to_string(*use.top_level_item);
    row.levels = LevelOf(*use.top_level_item);
  } else if (use.top_level_item) {
    row.items = "identity core";
    row.levels = "every receiver of the resource";
  } else {
    row.items = "none";
    row.levels = "not sent (no item)";
  }
}

std::string Escape(std::string_view text, bool html) {
  std::string out;
  for (char c : text) {
    if (html && c == '<') {
      out += "&lt;";
    } else if (html && c == '>') {
      out += "&gt;";
    } else if (html && c == '&') {
      out += "&amp;";
    } else if (!html && c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Code(std::string_view text) {
  return text.empty() ? std::string() : "`" + Escape(text, false) + "`";
}

std::string FieldsMarkdown(const Coverage& coverage) {
  std::string out =
      "| contract field | module | FHIR element | AKUSTI item | governance level |\n"
      "|---|---|---|---|---|\n";
  for (const CoverageRow& row : coverage.rows) {
    if (!row.unmapped_why.empty()) {
      out += "| " + Code(row.field) + " | " + Code(row.module) +
             " | not mapped: " + Escape(row.unmapped_why, false) + " | | |\n";
      continue;
    }
    out += "| " + Code(row.field) + " | " + Code(row.module) + " | " + Code(row.fhir) + " | " +
           Escape(row.items, false) + " | " + Escape(row.levels, false) + " |\n";
  }
  for (const std::string& field : coverage.unaccounted) {
    out += "| " + Code(field) + " | | **unaccounted** | | |\n";
  }
  return out;
}

// One line per module: what each maps, to which profile, carrying which items.
std::string ModulesMarkdown(const mapping::Mapper& mapper, const Coverage& coverage) {
  std::string out =
      "| module | record part | resource → profile | AKUSTI items (level) | contract fields |\n"
      "|---|---|---|---|---|\n";
  for (const auto& module : mapper.modules()) {
    std::string part = module->is_root() ? "the record root" : Code(module->source.text);
    if (!module->only_if.empty()) part += " (only if " + Code(module->only_if.text) + ")";
    std::string profiles = internal::ShortenUrls("'" + module->profile + "'");
    if (module->profile_by) {
      for (const auto& [value, url] : module->profile_by->profiles) {
        profiles += ", " + internal::ShortenUrls("'" + url + "'");
      }
    }
    std::vector<int> items = ModuleItems(*module);
    std::string item_text;
    for (int item : items) {
      item_text +=
          (item_text.empty() ? "" : ", ") + std::to_string(item) + " (" + LevelOf(item) + ")";
    }
    // The record part's own fields this module maps, in contract order.
    std::string prefix = module->is_root() ? "" : module->source.text + ".";
    std::vector<std::string> fields;
    for (const CoverageRow& row : coverage.rows) {
      if (row.module != module->name || !row.unmapped_why.empty()) continue;
      std::string relative = row.field.substr(std::min(prefix.size(), row.field.size()));
      if (!prefix.empty() && !row.field.starts_with(prefix)) continue;
      std::string top = relative.substr(0, relative.find_first_of(".["));
      if (std::find(fields.begin(), fields.end(), top) == fields.end()) fields.push_back(top);
    }
    std::string field_text;
    for (const std::string& f : fields) field_text += (field_text.empty() ? "" : ", ") + f;
    out += "| " + Code(module->name) + " | " + part + " | " + module->resource_type + " → " +
           Code(profiles) + " | " + (item_text.empty() ? "—" : item_text) + " | " +
           Escape(field_text, false) + " |\n";
  }
  return out;
}

}  // namespace

Coverage BuildCoverage(const mapping::Mapper& mapper) {
  internal::Analysis analysis = internal::Analyze(mapper, nullptr);
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < analysis.all_fields.size(); ++i) order[analysis.all_fields[i]] = i;
  Coverage coverage;
  for (const internal::FieldUse& use : analysis.uses) {
    CoverageRow row;
    row.field = use.field;
    row.module = use.module->name;
    row.fhir = internal::ShortenUrls(use.fhir);
    ItemsOf(use, row);
    coverage.rows.push_back(std::move(row));
  }
  for (const internal::UnmappedField& unmapped : analysis.unmapped) {
    CoverageRow row;
    row.field = unmapped.field;
    row.module = unmapped.module->name;
    row.unmapped_why = unmapped.reason;
    coverage.rows.push_back(std::move(row));
  }
  // Contract order, then the module order of the mapper (stable).
  std::stable_sort(
      coverage.rows.begin(), coverage.rows.end(),
      [&](const CoverageRow& a, const CoverageRow& b) { return order[a.field] < order[b.field]; });
  coverage.unaccounted = internal::Unaccounted(analysis);
  coverage.mapper = &mapper;
  return coverage;
}

std::string RenderCoverage(const Coverage& coverage, CoverageFormat format) {
  switch (format) {
    case CoverageFormat::kMarkdown:
      return FieldsMarkdown(coverage);
    case CoverageFormat::kHtml: {
      std::string out =
          "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Silta mapping "
          "coverage</title><style>body{font-family:sans-serif}table{border-collapse:collapse}"
          "td,th{border:1px solid #bbb;padding:2px 6px;text-align:left}code{font-size:90%}"
          ".gap{background:#fdd}</style></head><body>\n<h1>Contract fields and where they go</h1>\n"
          "<table>\n<tr><th>contract field</th><th>module</th><th>FHIR element</th><th>AKUSTI "
          "item</th><th>governance level</th></tr>\n";
      for (const CoverageRow& row : coverage.rows) {
        out += "<tr><td><code>" + Escape(row.field, true) + "</code></td><td>" +
               Escape(row.module, true) + "</td>";
        if (!row.unmapped_why.empty()) {
          out += "<td colspan=\"3\">not mapped: " + Escape(row.unmapped_why, true) + "</td></tr>\n";
        } else {
          out += "<td><code>" + Escape(row.fhir, true) + "</code></td><td>" +
                 Escape(row.items, true) + "</td><td>" + Escape(row.levels, true) + "</td></tr>\n";
        }
      }
      for (const std::string& field : coverage.unaccounted) {
        out += "<tr class=\"gap\"><td><code>" + Escape(field, true) +
               "</code></td><td colspan=\"4\">unaccounted</td></tr>\n";
      }
      return out + "</table>\n</body></html>\n";
    }
    case CoverageFormat::kText:
      break;
  }
  std::string out;
  for (const CoverageRow& row : coverage.rows) {
    out += row.field + "\t" + row.module + "\t";
    if (!row.unmapped_why.empty()) {
      out += "not mapped: " + row.unmapped_why + "\n";
    } else {
      out += row.fhir + "\t" + row.items + "\t" + row.levels + "\n";
    }
  }
  for (const std::string& field : coverage.unaccounted) out += field + "\t\tUNACCOUNTED\n";
  return out;
}

StatusOr<std::string> RegenerateDocBlocks(std::string_view page, const Coverage& coverage) {
  constexpr std::string_view kBegin = "<!-- BEGIN silta mappings coverage: ";
  constexpr std::string_view kEnd = "<!-- END silta mappings coverage -->";
  std::string out;
  size_t at = 0;
  while (true) {
    size_t begin = page.find(kBegin, at);
    // Only a marker that starts a line opens a block: a page may quote the marker in its text.
    while (begin != std::string_view::npos && begin > 0 && page[begin - 1] != '\n') {
      begin = page.find(kBegin, begin + 1);
    }
    if (begin == std::string_view::npos) break;
    size_t line = static_cast<size_t>(std::count(page.begin(), page.begin() + begin, '\n')) + 1;
    size_t close = page.find("-->", begin);
    size_t header_end = page.find('\n', begin);
    size_t end = page.find(kEnd, begin);
    if (close == std::string_view::npos || header_end == std::string_view::npos ||
        end == std::string_view::npos) {
      return InvalidArgumentError("line " + std::to_string(line) +
                                  ": a coverage block without its END marker");
    }
    std::string kind(page.substr(begin + kBegin.size(), close - begin - kBegin.size()));
    while (!kind.empty() && kind.back() == ' ') kind.pop_back();
    std::string table;
    if (kind == "fields") {
      table = FieldsMarkdown(coverage);
    } else if (kind == "modules" && coverage.mapper != nullptr) {
      table = ModulesMarkdown(*coverage.mapper, coverage);
    } else {
      return InvalidArgumentError("line " + std::to_string(line) + ": unknown coverage table \"" +
                                  kind + "\" (fields or modules)");
    }
    out.append(page.substr(at, header_end + 1 - at));
    out += table;
    at = end;
  }
  out.append(page.substr(at));
  return out;
}

}  // namespace silta::maptools
