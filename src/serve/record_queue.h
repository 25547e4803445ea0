// Client records accepted by POST /client-records, waiting for a sync run. SQLite in WAL mode
// with full synchronous commits: a record the service answered 202 for survives a crash.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"

namespace silta::serve {

struct QueuedRecord {
  int64_t id = 0;
  std::string format;       // "json" or "xml"
  std::string body;         // the record as received (decompressed)
  int64_t received_at = 0;  // Unix seconds
};

class RecordQueue {
 public:
  static StatusOr<std::unique_ptr<RecordQueue>> Open(const std::filesystem::path& file);
  ~RecordQueue();
  RecordQueue(const RecordQueue&) = delete;
  RecordQueue& operator=(const RecordQueue&) = delete;

  // Thread-safe. Returns the new record's id.
  StatusOr<int64_t> Enqueue(const std::string& format, const std::string& body);
  // The oldest `max` records, left in the queue until Remove()d (a crashed consumer retries).
  StatusOr<std::vector<QueuedRecord>> Peek(size_t max);
  Status Remove(int64_t id);
  StatusOr<int64_t> Depth();

 private:
  struct Db;
  explicit RecordQueue(std::unique_ptr<Db> db);
  std::unique_ptr<Db> db_;
  std::mutex mu_;
};

}  // namespace silta::serve
