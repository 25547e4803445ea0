#include "support/memory_journal.h"

namespace silta::sync {

StatusOr<std::optional<JournalEntry>> MemoryJournal::Get(const std::string& target,
                                                         const std::string& resource_key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find({target, resource_key});
  if (it == entries_.end()) return std::optional<JournalEntry>();
  return std::optional<JournalEntry>(it->second);
}

StatusOr<std::vector<JournalEntry>> MemoryJournal::ForClient(const std::string& target,
                                                             const std::string& client_key) {
  std::lock_guard lock(mu_);
  std::vector<JournalEntry> out;
  for (const auto& [key, entry] : entries_) {
    if (key.first == target && entry.client_key == client_key) out.push_back(entry);
  }
  return out;
}

Status MemoryJournal::Put(const std::vector<JournalEntry>& entries) {
  std::lock_guard lock(mu_);
  for (const auto& e : entries) entries_[{e.target, e.resource_key}] = e;
  return Status::Ok();
}

Status MemoryJournal::AddConflict(const Conflict& conflict) {
  std::lock_guard lock(mu_);
  conflicts_.push_back(conflict);
  return Status::Ok();
}

StatusOr<std::vector<Conflict>> MemoryJournal::Conflicts(const std::string& target) {
  std::lock_guard lock(mu_);
  std::vector<Conflict> out;
  for (const auto& c : conflicts_) {
    if (c.target == target) out.push_back(c);
  }
  return out;
}

StatusOr<std::optional<std::string>> MemoryJournal::Watermark(const std::string& target) {
  std::lock_guard lock(mu_);
  auto it = watermarks_.find(target);
  if (it == watermarks_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryJournal::SetWatermark(const std::string& target, const std::string& value) {
  std::lock_guard lock(mu_);
  watermarks_[target] = value;
  return Status::Ok();
}

StatusOr<int64_t> MemoryJournal::ConflictCount() {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(conflicts_.size());
}

}  // namespace silta::sync
