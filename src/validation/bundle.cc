// Bundle rules: entry identity (fullUrl/id), duplicates, reference resolution inside the Bundle
// (one hash lookup per reference), document and message structure.
#include <unordered_map>

#include "validation/impl.h"

namespace silta::validation::internal {

namespace {

bool IsHttpUrl(std::string_view s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

// The base a relative reference in an entry resolves against: fullUrl minus "Type/id".
std::string_view BaseOf(std::string_view full_url) {
  if (!IsHttpUrl(full_url)) return {};
  size_t history = full_url.find("/_history/");
  if (history != std::string_view::npos) full_url = full_url.substr(0, history);
  size_t last = full_url.rfind('/');
  if (last == std::string_view::npos) return {};
  size_t prev = full_url.rfind('/', last - 1);
  if (prev == std::string_view::npos) return {};
  return full_url.substr(0, prev + 1);
}

}  // namespace

const model::Element* Walker::EntryOf(const model::Element& e) {
  for (const model::Element* p = &e; p != nullptr; p = p->parent()) {
    if (p->parent() != nullptr && p->parent()->type()->name == "Bundle" && p->name() == "entry") {
      return p;
    }
  }
  return nullptr;
}

void Walker::IndexBundle(const model::Element& bundle, BundleIndex& index) {
  index.bundle = &bundle;
  index.type = ChildValue(bundle, "type");
  for (const model::Element* entry : bundle.Children("entry")) {
    const model::Element* resource = entry->Child("resource");
    if (resource == nullptr) continue;
    // Only fullUrls identify entries: a relative reference resolves against the fullUrl of
    // the entry it is in (R4 Bundle, "Resolving references in Bundles").
    std::string_view full_url = ChildValue(*entry, "fullUrl");
    if (!full_url.empty()) index.by_full_url.try_emplace(full_url, resource);
    std::string_view base = BaseOf(full_url);
    if (!base.empty()) {
      auto [it, inserted] =
          index.by_type_and_id.try_emplace(full_url.substr(base.size()), resource);
      if (!inserted) it->second = nullptr;
    }
  }
}

const model::Element* Walker::ResolveInBundle(const model::Element& from,
                                              std::string_view reference, bool* in_bundle) const {
  *in_bundle = !bundles_.empty();
  if (bundles_.empty()) return nullptr;
  const BundleIndex& index = *bundles_.back();
  std::string_view path = reference;
  auto it = index.by_full_url.find(path);
  if (it != index.by_full_url.end()) return it->second;
  size_t history = path.find("/_history/");
  std::string_view version;
  if (history != std::string_view::npos) {
    version = path.substr(history + 10);
    path = path.substr(0, history);
  }
  // A version-specific reference must find that version.
  auto version_matches = [&](const model::Element* target) {
    if (version.empty()) return true;
    const model::Element* meta = target->Child("meta");
    return meta != nullptr && ChildValue(*meta, "versionId") == version;
  };
  if (history != std::string_view::npos) {
    it = index.by_full_url.find(path);
    if (it != index.by_full_url.end()) return version_matches(it->second) ? it->second : nullptr;
  }
  if (path.find("://") != std::string_view::npos || path.rfind("urn:", 0) == 0) return nullptr;
  // Relative: against the fullUrl base of the entry the reference is in.
  const model::Element* entry = EntryOf(from);
  if (entry == nullptr) return nullptr;
  std::string_view base = BaseOf(ChildValue(*entry, "fullUrl"));
  if (base.empty()) {
    it = index.by_type_and_id.find(path);
    if (it == index.by_type_and_id.end() || it->second == nullptr) return nullptr;
    return version_matches(it->second) ? it->second : nullptr;
  }
  std::string absolute(base);
  absolute.append(path);
  it = index.by_full_url.find(absolute);
  if (it == index.by_full_url.end()) return nullptr;
  return version_matches(it->second) ? it->second : nullptr;
}

namespace {

// R4 Bundle.entry.fullUrl: "fullUrl SHALL have a value except that: fullUrl can be empty on a
// POST ...; Results from operations might involve resources that are not identified." A
// searchset entry with search.mode "outcome" is such a result: information about the search
// itself (an OperationOutcome), not a resource found.
bool IsOperationOutcomeEntry(const model::Element& entry) {
  const model::Element* search = entry.Child("search");
  return search != nullptr && ChildValue(*search, "mode") == "outcome";
}

}  // namespace

void Walker::CheckBundle(const model::Element& bundle, const BundleIndex& index) {
  std::span<const model::Element* const> entries = bundle.Children("entry");
  bool history = index.type == "history";
  StringMap<const model::Element*> seen;
  for (const model::Element* entry : entries) {
    const model::Element* resource = entry->Child("resource");
    std::string_view full_url = ChildValue(*entry, "fullUrl");
    std::string_view id = resource != nullptr ? ChildValue(*resource, "id") : std::string_view();
    if (!full_url.empty() && full_url.find(':') == std::string_view::npos) {
      Report(
          Severity::kError, IssueType::kInvalid, "BUNDLE_FULLURL_NOT_ABSOLUTE",
          "the fullUrl must be an absolute URL, not '" + std::string(full_url.substr(0, 80)) + "'",
          *entry);
    } else if (full_url.empty() && resource != nullptr && index.type != "transaction" &&
               index.type != "batch" && index.type != "transaction-response" &&
               index.type != "batch-response" && index.type != "history" &&
               !IsOperationOutcomeEntry(*entry)) {
      Report(Severity::kError, IssueType::kRequired, "BUNDLE_FULLURL_MISSING",
             "except in transactions and batches, each entry with a resource needs a fullUrl "
             "(the resource's identity)",
             *entry);
    }
    if (resource != nullptr && IsHttpUrl(full_url) && id.empty() && !BaseOf(full_url).empty() &&
        index.type != "transaction" && index.type != "batch") {
      std::string_view rest = full_url.substr(BaseOf(full_url).size());
      if (rest.substr(0, rest.find('/')) == resource->type()->name) {
        Report(Severity::kError, IssueType::kInvalid, "BUNDLE_FULLURL_WITHOUT_ID",
               "the fullUrl looks like a RESTful server URL, but the resource has no id", *entry);
      }
    }
    if (resource != nullptr && IsHttpUrl(full_url) && !id.empty()) {
      std::string_view url = full_url;
      size_t h = url.find("/_history/");
      if (h != std::string_view::npos) url = url.substr(0, h);
      std::string tail = "/" + resource->type()->name + "/" + std::string(id);
      if (url.size() < tail.size() || url.substr(url.size() - tail.size()) != tail) {
        Report(Severity::kError, IssueType::kInvalid, "BUNDLE_FULLURL_MISMATCH",
               "the fullUrl does not match the resource's type and id (expected it to end in " +
                   tail + ")",
               *entry);
      }
    }
    if (!full_url.empty() && !history) {
      std::string key(full_url);
      if (resource != nullptr) {
        // Versions of one resource may legitimately appear side by side.
        const model::Element* meta = resource->Child("meta");
        if (meta != nullptr) key.append("|").append(ChildValue(*meta, "versionId"));
      }
      if (!seen.try_emplace(std::move(key), entry).second) {
        Report(Severity::kError, IssueType::kDuplicate, "BUNDLE_DUPLICATE_FULLURL",
               "another entry has the same fullUrl " + std::string(full_url.substr(0, 120)),
               *entry);
      }
    }
    if ((index.type == "transaction" || index.type == "batch") &&
        entry->Child("request") == nullptr) {
      Report(Severity::kError, IssueType::kRequired, "BUNDLE_REQUEST_MISSING",
             "entries of a " + std::string(index.type) + " Bundle need a request", *entry);
    }
  }
  auto first_resource = [&]() -> const model::Element* {
    if (entries.empty()) return nullptr;
    return entries[0]->Child("resource");
  };
  if (index.type == "document") {
    const model::Element* first = first_resource();
    if (first == nullptr || first->type()->name != "Composition") {
      Report(Severity::kError, IssueType::kInvalid, "BUNDLE_DOCUMENT_COMPOSITION",
             "the first entry of a document Bundle must be a Composition",
             entries.empty() ? bundle : *entries[0]);
    } else {
      CheckDocumentReachability(bundle, index);
    }
  } else if (index.type == "message") {
    const model::Element* first = first_resource();
    if (first == nullptr || first->type()->name != "MessageHeader") {
      Report(Severity::kError, IssueType::kInvalid, "BUNDLE_MESSAGE_HEADER",
             "the first entry of a message Bundle must be a MessageHeader",
             entries.empty() ? bundle : *entries[0]);
    } else {
      CheckMessageFocus(*first);
    }
  }
}

// R4 MessageHeader.focus: "The transaction data is always included in the bundle that is the
// full message." A focus that names no entry of the message leaves the message without its data.
// Local (#id) references point into the MessageHeader itself and are left to the reference rules.
void Walker::CheckMessageFocus(const model::Element& header) {
  for (const model::Element* focus : header.Children("focus")) {
    std::string_view ref = ChildValue(*focus, "reference");
    if (ref.empty() || ref[0] == '#') continue;
    bool in_bundle = false;
    if (ResolveInBundle(*focus, ref, &in_bundle) != nullptr) continue;
    Report(Severity::kError, IssueType::kNotFound, "REFERENCE_NOT_IN_MESSAGE",
           "the MessageHeader focus '" + std::string(ref.substr(0, 80)) +
               "' cannot be resolved inside the message Bundle, which must include the data "
               "of the message",
           *focus);
  }
}

// Every entry of a document must be reachable from the Composition by following references
// (forwards or backwards): anything else is not part of the document.
void Walker::CheckDocumentReachability(const model::Element& bundle, const BundleIndex&) {
  std::span<const model::Element* const> entries = bundle.Children("entry");
  std::unordered_map<const model::Element*, size_t> entry_of;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (const model::Element* r = entries[i]->Child("resource")) entry_of[r] = i;
  }
  // Edges both ways between entries that reference each other.
  std::vector<std::vector<size_t>> edges(entries.size());
  std::vector<const model::Element*> stack;
  for (size_t i = 0; i < entries.size(); ++i) {
    const model::Element* resource = entries[i]->Child("resource");
    if (resource == nullptr) continue;
    stack.assign(1, resource);
    while (!stack.empty()) {
      const model::Element* e = stack.back();
      stack.pop_back();
      for (const model::Element* c : e->children()) stack.push_back(c);
      if (e->type()->name != "Reference") continue;
      std::string_view ref = ChildValue(*e, "reference");
      if (ref.empty() || ref[0] == '#') continue;
      bool in_bundle = false;
      const model::Element* target = ResolveInBundle(*e, ref, &in_bundle);
      if (target == nullptr) continue;
      auto found = entry_of.find(target);
      if (found == entry_of.end()) continue;
      edges[i].push_back(found->second);
      edges[found->second].push_back(i);
    }
  }
  std::vector<bool> reached(entries.size(), false);
  std::vector<size_t> queue = {0};
  reached[0] = true;
  while (!queue.empty()) {
    size_t at = queue.back();
    queue.pop_back();
    for (size_t next : edges[at]) {
      if (!reached[next]) {
        reached[next] = true;
        queue.push_back(next);
      }
    }
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    if (reached[i] || entries[i]->Child("resource") == nullptr) continue;
    Report(Severity::kError, IssueType::kInvalid, "BUNDLE_DOCUMENT_UNREACHABLE",
           "this entry is not reachable by following references from the Composition, so it "
           "is not part of the document",
           *entries[i]);
  }
}

}  // namespace silta::validation::internal
