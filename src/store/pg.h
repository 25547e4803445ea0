// PostgreSQL over libpq for the journal and the queue. A location is a libpq connection URI
// (postgresql://user@host:port/db?sslmode=...); the password comes from PGPASSFILE or PGPASSWORD
// only: a URI that carries one is refused, so that it never sits in a config file, a command
// line or a log line.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace silta::store {

// True for "postgresql://" and "postgres://" locations; anything else is a SQLite file.
bool IsPostgresUri(std::string_view location);

// Refuses a URI with a password (in the user-info part or as a `password` parameter); the
// message names the variables to use instead and does not repeat the URI.
Status CheckPostgresUri(std::string_view uri);

// One statement parameter: text, or raw bytes for a bytea column.
struct PgParam {
  PgParam(std::string text) : value(std::move(text)) {}       // NOLINT: implicit by design
  PgParam(const char* text) : value(text) {}                  // NOLINT
  PgParam(int64_t number) : value(std::to_string(number)) {}  // NOLINT
  static PgParam Bytes(std::string bytes) {
    PgParam p(std::move(bytes));
    p.binary = true;
    return p;
  }
  std::string value;
  bool binary = false;
};

// A statement's result (text format); frees itself.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&&) = delete;
  PgResult(const PgResult&) = delete;

  int rows() const;
  // Rows an INSERT/UPDATE/DELETE touched.
  int64_t affected() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;
  int64_t Int(int row, int column) const;
  // A bytea column.
  std::string Bytes(int row, int column) const;

 private:
  PGresult* result_;
};

// One connection; not thread-safe (the stores lock around it). A connection that broke is
// reset once before a statement fails.
class PgConnection {
 public:
  // `what` names the store in messages ("sync journal", "record queue").
  static StatusOr<std::unique_ptr<PgConnection>> Open(const std::string& uri, std::string what);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  StatusOr<PgResult> Exec(const std::string& sql, std::span<const PgParam> params = {});
  StatusOr<PgResult> Exec(const std::string& sql, std::initializer_list<PgParam> params) {
    return Exec(sql, std::span<const PgParam>(params.begin(), params.size()));
  }
  // Runs statements without parameters (several separated by ';' are fine).
  Status Run(const std::string& sql);
  // Rolls back an open transaction after a failure; errors are ignored (the connection may be
  // gone, which ends the transaction as well).
  void Rollback();

  const std::string& what() const { return what_; }

 private:
  PgConnection(PGconn* conn, std::string what) : conn_(conn), what_(std::move(what)) {}
  Status Error(std::string_view doing, const PGresult* result) const;
  PGconn* conn_;
  std::string what_;
};

}  // namespace silta::store
