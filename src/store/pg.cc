#include "store/pg.h"

#include <libpq-fe.h>

#include <cstdlib>

namespace silta::store {

bool IsPostgresUri(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Status CheckPostgresUri(std::string_view uri) {
  if (!IsPostgresUri(uri)) {
    return InvalidArgumentError("not a PostgreSQL URI (postgresql://...)");
  }
  // libpq's own parser, so that every spelling it accepts (user:secret@, ?password=, percent
  // escapes) is seen as it will be used.
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(uri).c_str(), &error);
  if (options == nullptr) {
    // libpq's message may quote the URI; say only that it does not parse.
    PQfreemem(error);
    return InvalidArgumentError("the PostgreSQL URI does not parse as a libpq connection URI");
  }
  bool has_password = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0') {
      has_password = true;
    }
  }
  PQconninfoFree(options);
  if (has_password) {
    return InvalidArgumentError(
        "the PostgreSQL URI carries a password; put it in a password file (PGPASSFILE, "
        "~/.pgpass) or PGPASSWORD instead, never in the URI");
  }
  return Status::Ok();
}

PgResult::~PgResult() { PQclear(result_); }

int PgResult::rows() const { return PQntuples(result_); }

int64_t PgResult::affected() const {
  const char* text = PQcmdTuples(result_);
  return text != nullptr && *text != '\0' ? std::strtoll(text, nullptr, 10) : 0;
}

bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string PgResult::Text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t PgResult::Int(int row, int column) const {
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

std::string PgResult::Bytes(int row, int column) const {
  size_t size = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &size);
  if (bytes == nullptr) return std::string();
  std::string out(reinterpret_cast<const char*>(bytes), size);
  PQfreemem(bytes);
  return out;
}

StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& uri,
                                                           std::string what) {
  if (Status checked = CheckPostgresUri(uri); !checked.ok()) {
    return InvalidArgumentError(what + ": " + checked.message());
  }
  PGconn* conn = PQconnectdb(uri.c_str());
  if (conn == nullptr) return IoError(what + ": cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    // The server's or libpq's reason (host, port, authentication); libpq never echoes a password.
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    PQfinish(conn);
    return IoError(what + ": cannot connect to PostgreSQL: " + message);
  }
  // Notices (e.g. "relation already exists, skipping") are not the user's business.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, std::move(what)));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Status PgConnection::Error(std::string_view doing, const PGresult* result) const {
  std::string message = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return IoError(what_ + ": " + std::string(doing) + ": " + message);
}

StatusOr<PgResult> PgConnection::Exec(const std::string& sql, std::span<const PgParam> params) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    // A restarted server or a dropped connection: one new attempt; an open transaction died
    // with the old connection, and the caller's statement fails or starts afresh.
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return Error("connection lost", nullptr);
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const PgParam& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  PGresult* result =
      PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                   lengths.data(), formats.data(), /*resultFormat=*/0);
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Status error = Error("statement failed", result);
    PQclear(result);
    return error;
  }
  return PgResult(result);
}

Status PgConnection::Run(const std::string& sql) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return Error("connection lost", nullptr);
  }
  PGresult* result = PQexec(conn_, sql.c_str());
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Status error = Error("statement failed", result);
    PQclear(result);
    return error;
  }
  PQclear(result);
  return Status::Ok();
}

void PgConnection::Rollback() {
  if (PQstatus(conn_) != CONNECTION_OK) return;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

}  // namespace silta::store
