// A JournalStore in memory, for the tests of the sync engine and of serve: no file, no server,
// nothing survives the object. Test code only: every journal the product opens is SQLite or
// PostgreSQL (sync::OpenJournal).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "sync/sync.h"

namespace silta::sync {

class MemoryJournal : public JournalStore {
 public:
  StatusOr<std::optional<JournalEntry>> Get(const std::string& target,
                                            const std::string& resource_key) override;
  StatusOr<std::vector<JournalEntry>> ForClient(const std::string& target,
                                                const std::string& client_key) override;
  Status Put(const std::vector<JournalEntry>& entries) override;
  Status AddConflict(const Conflict& conflict) override;
  StatusOr<std::vector<Conflict>> Conflicts(const std::string& target) override;
  StatusOr<std::optional<std::string>> Watermark(const std::string& target) override;
  Status SetWatermark(const std::string& target, const std::string& value) override;
  StatusOr<int64_t> ConflictCount() override;

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, JournalEntry> entries_;
  std::vector<Conflict> conflicts_;
  std::map<std::string, std::string> watermarks_;
};

}  // namespace silta::sync
