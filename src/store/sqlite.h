// A prepared SQLite statement that finalizes itself: the one wrapper the journal and the queue
// share over SQLite's C API.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace silta::store {

class SqliteStatement {
 public:
  // `owner` names the store in error messages ("sync journal").
  SqliteStatement(sqlite3* db, const char* sql, std::string_view owner = "database");
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }
  SqliteStatement& Bind(int index, const std::string& text);
  SqliteStatement& Bind(int index, int64_t value);
  int Step() { return sqlite3_step(stmt_); }
  void Reset();
  // A column's bytes as they are (text or blob; empty for NULL).
  std::string Text(int column) const;
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  // "<owner>: <what>: <SQLite's message>" as an IoError.
  Status Error(std::string_view what) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string owner_;
};

}  // namespace silta::store
