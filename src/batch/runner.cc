#include "batch/runner.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <thread>

#include "base/files.h"
#include "batch/progress.h"
#include "formats/formats.h"

namespace silta::batch {

namespace {

// One NDJSON line in a unit: where its text sits in the unit's buffer, or why it has none.
struct LineRef {
  uint64_t number = 0;
  size_t offset = 0;
  size_t length = 0;
  uint64_t too_long_length = 0;
  bool too_long = false;
  bool has_line_end = true;
};

struct WorkUnit {
  uint64_t seq = 0;
  size_t input_index = 0;
  bool is_document = false;  // a whole JSON/XML file in `text`; otherwise NDJSON `lines`
  std::string text;
  std::vector<LineRef> lines;
  uint64_t reserved = 0;  // room taken in the run's in-flight budget
  UnitResult result;      // reader-side findings (I/O errors, refusals) already in here
};

Issue MakeIssue(Severity severity, IssueType type, std::string message_id, std::string message,
                const std::string& source, uint64_t line = 0) {
  Issue issue;
  issue.severity = severity;
  issue.type = type;
  issue.message_id = std::move(message_id);
  issue.message = std::move(message);
  issue.source = source;
  issue.location.line = static_cast<uint32_t>(std::min<uint64_t>(line, UINT32_MAX));
  issue.location.column = line > 0 ? 1 : 0;
  return issue;
}

std::string Megabytes(uint64_t bytes) {
  return std::to_string((bytes + (uint64_t{1} << 20) - 1) >> 20) + " MB";
}

// Gives issues the input's name and shifts line numbers from "line of this NDJSON line" to
// "line of the file".
class UnitSink : public IssueSink {
 public:
  UnitSink(std::vector<Issue>& out, const std::string& source) : out_(out), source_(source) {}
  void set_line_offset(uint64_t offset) { line_offset_ = offset; }
  // A byte order mark the parser did not see shifts the columns of the first line.
  void set_first_line_column_shift(uint32_t shift) { first_line_shift_ = shift; }
  void Report(Issue issue) override {
    if (issue.source.empty()) issue.source = source_;
    if (first_line_shift_ > 0 && issue.location.line == 1 && line_offset_ == 0) {
      issue.location.column += first_line_shift_;
    }
    if (line_offset_ > 0 && issue.location.known()) {
      issue.location.line =
          static_cast<uint32_t>(std::min<uint64_t>(issue.location.line + line_offset_, UINT32_MAX));
    }
    std::lock_guard<std::mutex> lock(mu_);  // a validator may report from helper threads
    out_.push_back(std::move(issue));
  }

 private:
  std::mutex mu_;
  std::vector<Issue>& out_;
  const std::string& source_;
  uint64_t line_offset_ = 0;
  uint32_t first_line_shift_ = 0;
};

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Windows tools like to start files with a UTF-8 byte order mark; FHIR tools accept it.
std::string_view WithoutBom(std::string_view text, UnitSink& sink) {
  if (text.substr(0, kUtf8Bom.size()) != kUtf8Bom) return text;
  sink.set_first_line_column_shift(static_cast<uint32_t>(kUtf8Bom.size()));
  return text.substr(kUtf8Bom.size());
}

// State shared by the reader, the workers and the emitting thread of one Run.
class RunState {
 public:
  RunState(size_t max_units, uint64_t max_bytes) : max_units_(max_units), max_bytes_(max_bytes) {}

  // Reader: waits for room for a unit of `bytes`; the unit then carries `reserved` = bytes.
  // Once it has had to wait, it waits until half the units are done rather than for the next
  // one: waking the reader for every unit cost a context switch per file (about a tenth of a
  // run over small files), and half a queue still keeps the workers busy.
  void Reserve(uint64_t bytes) {
    std::unique_lock<std::mutex> lock(mu_);
    auto room = [&](size_t max_units) {
      return units_in_flight_ == 0 ||
             (units_in_flight_ < max_units && bytes_in_flight_ + bytes <= max_bytes_);
    };
    if (!room(max_units_)) {
      space_cv_.wait(lock, [&] { return room(std::max<size_t>(1, max_units_ / 2)); });
    }
    ++units_in_flight_;
    bytes_in_flight_ += bytes;
  }
  // Reader: hands a unit (with room reserved for it) to the workers.
  void Submit(WorkUnit unit) {
    std::lock_guard<std::mutex> lock(mu_);
    unit.seq = next_seq_++;
    work_.push_back(std::move(unit));
    work_cv_.notify_one();
  }
  void ReaderDone() {
    std::lock_guard<std::mutex> lock(mu_);
    reader_done_ = true;
    work_cv_.notify_all();
    result_cv_.notify_all();
  }
  // Worker: the next unit, or false when there is no more work.
  bool Take(WorkUnit& unit) {
    std::unique_lock<std::mutex> lock(mu_);
    work_cv_.wait(lock, [&] { return !work_.empty() || reader_done_; });
    if (work_.empty()) return false;
    unit = std::move(work_.front());
    work_.pop_front();
    return true;
  }
  void Done(uint64_t seq, uint64_t reserved, UnitResult result) {
    std::lock_guard<std::mutex> lock(mu_);
    done_.emplace(seq, std::make_pair(reserved, std::move(result)));
    if (seq == next_emit_) result_cv_.notify_one();
  }
  // Emitter: the next result in order, or false when all are emitted.
  bool NextResult(UnitResult& result, uint64_t& reserved) {
    std::unique_lock<std::mutex> lock(mu_);
    result_cv_.wait(lock, [&] {
      return done_.count(next_emit_) > 0 || (reader_done_ && next_emit_ == next_seq_);
    });
    auto it = done_.find(next_emit_);
    if (it == done_.end()) return false;
    reserved = it->second.first;
    result = std::move(it->second.second);
    done_.erase(it);
    ++next_emit_;
    return true;
  }
  // Worker: gives back the text buffer of a finished NDJSON unit. The reader fills it again,
  // so a long run does not fault in fresh pages for every unit (those page faults and the
  // copies of a growing string cost about a tenth of a run).
  void Recycle(std::string&& buffer, size_t keep_capacity) {
    if (buffer.capacity() == 0 || buffer.capacity() > keep_capacity) return;
    buffer.clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_buffers_.size() < max_units_) spare_buffers_.push_back(std::move(buffer));
  }
  // Reader: an empty buffer, with room from an earlier unit when there is one.
  std::string SpareBuffer() {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_buffers_.empty()) return {};
    std::string buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
    return buffer;
  }
  void Release(uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    --units_in_flight_;
    bytes_in_flight_ -= std::min(bytes, bytes_in_flight_);
    space_cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable space_cv_, work_cv_, result_cv_;
  const size_t max_units_;
  const uint64_t max_bytes_;
  size_t units_in_flight_ = 0;
  uint64_t bytes_in_flight_ = 0;
  std::deque<WorkUnit> work_;
  std::vector<std::string> spare_buffers_;
  std::map<uint64_t, std::pair<uint64_t, UnitResult>> done_;
  uint64_t next_seq_ = 0;
  uint64_t next_emit_ = 0;
  bool reader_done_ = false;
};

class Reader {
 public:
  Reader(std::span<const InputFile> inputs, const RunOptions& options, RunState& state)
      : inputs_(inputs), options_(options), state_(state) {}

  void Run() {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      try {
        if (inputs_[i].format == InputFormat::kNdjson) {
          ReadNdjson(i);
        } else {
          ReadDocument(i);
        }
      } catch (const std::bad_alloc&) {
        FailInput(i, "ran out of memory reading the file");
      }
    }
    state_.ReaderDone();
  }

 private:
  void FailInput(size_t index, std::string message) {
    WorkUnit unit;
    unit.input_index = index;
    unit.result.io_error = true;
    unit.result.last_of_input = true;
    unit.result.issues.push_back(MakeIssue(Severity::kFatal, IssueType::kException,
                                           "BATCH_READ_FAILED", std::move(message),
                                           inputs_[index].name));
    state_.Reserve(0);
    state_.Submit(std::move(unit));
  }

  void ReadDocument(size_t index) {
    const InputFile& input = inputs_[index];
    struct stat st {};
    if (::stat(input.path.c_str(), &st) != 0) {
      FailInput(index, "cannot read the file: " + std::string(std::strerror(errno)));
      return;
    }
    auto size = static_cast<uint64_t>(st.st_size);
    WorkUnit unit;
    unit.input_index = index;
    unit.result.last_of_input = true;
    unit.result.bytes = size;
    if (size > options_.max_file_bytes) {
      unit.result.issues.push_back(MakeIssue(
          Severity::kFatal, IssueType::kTooCostly, "BATCH_FILE_TOO_LARGE",
          "the file is " + Megabytes(size) + ", more than the limit of " +
              Megabytes(options_.max_file_bytes) +
              " for one JSON or XML resource; raise the limit (--max-file-size) or split it",
          input.name));
      state_.Reserve(0);
      state_.Submit(std::move(unit));
      return;
    }
    state_.Reserve(size);
    unit.reserved = size;
    StatusOr<std::string> text = ReadFile(input.path);
    if (!text.ok()) {
      state_.Release(size);
      FailInput(index, text.status().message());
      return;
    }
    unit.is_document = true;
    unit.result.bytes = text->size();
    unit.text = std::move(text).value();
    state_.Submit(std::move(unit));
  }

  void ReadNdjson(size_t index) {
    const InputFile& input = inputs_[index];
    auto reader = LineReader::Open(input.path, options_.lines);
    if (!reader.ok()) {
      FailInput(index, reader.status().message());
      return;
    }
    WorkUnit unit;
    unit.input_index = index;
    unit.text = NewUnitBuffer();
    Line line;
    uint64_t consumed = 0;  // file bytes the units so far account for
    for (;;) {
      StatusOr<bool> more = (*reader)->Next(line);
      if (!more.ok()) {
        Flush(unit, (*reader)->bytes_read() - consumed, false);
        FailInput(index, more.status().message());
        return;
      }
      if (!*more) break;
      LineRef ref;
      ref.number = line.number;
      ref.offset = unit.text.size();
      ref.length = line.text.size();
      ref.too_long = line.too_long;
      ref.too_long_length = line.length;
      ref.has_line_end = line.has_line_end;
      unit.text.append(line.text);
      unit.lines.push_back(ref);
      if (unit.lines.size() >= options_.ndjson_lines_per_unit ||
          unit.text.size() >= options_.ndjson_bytes_per_unit) {
        uint64_t bytes = (*reader)->bytes_read() - consumed;
        consumed += bytes;
        Flush(unit, bytes, false);
      }
    }
    Flush(unit, (*reader)->bytes_read() - consumed, true);
  }

  // Hands the lines gathered so far to the workers and starts a new unit.
  void Flush(WorkUnit& unit, uint64_t bytes, bool last) {
    if (unit.lines.empty() && !last) return;
    unit.result.bytes = bytes;
    unit.result.last_of_input = last;
    state_.Reserve(unit.text.size());
    unit.reserved = unit.text.size();
    size_t index = unit.input_index;
    state_.Submit(std::move(unit));
    unit = WorkUnit();
    unit.input_index = index;
    unit.text = NewUnitBuffer();
  }

  // A unit ends once it holds ndjson_bytes_per_unit, so room for that (and one typical line
  // more) is taken up front rather than by growing the string line by line.
  std::string NewUnitBuffer() {
    std::string buffer = state_.SpareBuffer();
    buffer.reserve(options_.ndjson_bytes_per_unit + (size_t{64} << 10));
    return buffer;
  }

  std::span<const InputFile> inputs_;
  const RunOptions& options_;
  RunState& state_;
};

class Worker {
 public:
  Worker(std::span<const InputFile> inputs, const std::shared_ptr<const model::TypeModel>& model,
         const ValidateFn& validate, const RunOptions& options)
      : inputs_(inputs), model_(model), validate_(validate) {
    parse_options_.allow_unknown_elements = options.allow_unknown_elements;
    parse_options_.keep_refused_narratives = true;  // parsed to be validated, never written
  }

  UnitResult Process(WorkUnit& unit) {
    UnitResult result = std::move(unit.result);
    result.input_index = unit.input_index;
    const InputFile& input = inputs_[unit.input_index];
    parse_options_.source_name = input.name;
    UnitSink sink(result.issues, input.name);
    if (unit.is_document) {
      formats::Format format =
          input.format == InputFormat::kXml ? formats::Format::kXml : formats::Format::kJson;
      Check(WithoutBom(unit.text, sink), format, sink, result, 0);
      return result;
    }
    for (const LineRef& line : unit.lines) {
      std::string_view text(unit.text.data() + line.offset, line.length);
      if (line.number == 1) text = WithoutBom(text, sink);
      if (line.too_long) {
        sink.set_line_offset(0);
        sink.Report(MakeIssue(Severity::kError, IssueType::kTooCostly, "NDJSON_LINE_TOO_LONG",
                              "the line is " + Megabytes(line.too_long_length) +
                                  " long, more than the limit of " + Megabytes(max_line_bytes_) +
                                  "; it was skipped",
                              input.name, line.number));
        continue;
      }
      if (text.find_first_not_of(" \t\r") == std::string_view::npos) {
        sink.set_line_offset(0);
        sink.Report(MakeIssue(Severity::kWarning, IssueType::kStructure, "NDJSON_EMPTY_LINE",
                              "empty line: NDJSON has exactly one resource on every line",
                              input.name, line.number));
        continue;
      }
      sink.set_line_offset(line.number - 1);
      bool parsed = Check(text, formats::Format::kJson, sink, result, line.number);
      if (!line.has_line_end && !parsed) {
        sink.set_line_offset(0);
        sink.Report(MakeIssue(Severity::kError, IssueType::kStructure, "NDJSON_TRUNCATED",
                              "the last line has no line end and cannot be read: the file may "
                              "have been cut short",
                              input.name, line.number));
      }
    }
    return result;
  }

  void set_max_line_bytes(size_t bytes) { max_line_bytes_ = bytes; }

 private:
  // Parses and validates one resource; false when it could not be parsed at all.
  bool Check(std::string_view text, formats::Format format, UnitSink& sink, UnitResult& result,
             uint64_t line) {
    const std::string& name = parse_options_.source_name;
    try {
      std::unique_ptr<model::Document> doc =
          formats::Parse(text, format, model_, sink, parse_options_);
      if (doc == nullptr || doc->root() == nullptr) return false;
      doc->set_source_name(name);
      ++result.resources;
      validate_(*doc, sink);
      return true;
    } catch (const std::bad_alloc&) {
      sink.set_line_offset(0);
      sink.Report(MakeIssue(Severity::kFatal, IssueType::kTooCostly, "BATCH_OUT_OF_MEMORY",
                            "ran out of memory validating this resource", name, line));
    } catch (const std::exception& e) {
      sink.set_line_offset(0);
      sink.Report(MakeIssue(Severity::kFatal, IssueType::kException, "BATCH_VALIDATOR_FAILED",
                            std::string("internal error while validating: ") + e.what(), name,
                            line));
    }
    return true;
  }

  std::span<const InputFile> inputs_;
  const std::shared_ptr<const model::TypeModel>& model_;
  const ValidateFn& validate_;
  formats::ParseOptions parse_options_;
  size_t max_line_bytes_ = 0;
};

}  // namespace

BatchRunner::BatchRunner(std::shared_ptr<const model::TypeModel> model, ValidateFn validate,
                         RunOptions options)
    : model_(std::move(model)), validate_(std::move(validate)), options_(options) {
  threads_ =
      options_.threads > 0 ? options_.threads : std::max(1U, std::thread::hardware_concurrency());
  options_.ndjson_lines_per_unit = std::max<size_t>(1, options_.ndjson_lines_per_unit);
}

RunStats BatchRunner::Run(std::span<const InputFile> inputs, const ResultFn& on_result,
                          Progress* progress) const {
  auto start = std::chrono::steady_clock::now();
  size_t max_units =
      options_.max_units_in_flight > 0 ? options_.max_units_in_flight : size_t{4} * threads_;
  RunState state(std::max<size_t>(max_units, 1), options_.max_bytes_in_flight);
  Reader reader(inputs, options_, state);
  std::thread reader_thread([&] { reader.Run(); });
  std::vector<std::thread> workers;
  workers.reserve(threads_);
  // Buffers that grew for an unusually long line are let go rather than kept.
  const size_t keep_capacity = 2 * options_.ndjson_bytes_per_unit + (size_t{64} << 10);
  for (unsigned t = 0; threads_ > 1 && t < threads_; ++t) {
    workers.emplace_back([&] {
      Worker worker(inputs, model_, validate_, options_);
      worker.set_max_line_bytes(options_.lines.max_line_bytes);
      WorkUnit unit;
      while (state.Take(unit)) {
        uint64_t seq = unit.seq;
        uint64_t reserved = unit.reserved;
        state.Done(seq, reserved, worker.Process(unit));
        if (!unit.is_document) state.Recycle(std::move(unit.text), keep_capacity);
      }
    });
  }

  RunStats stats;
  stats.threads = threads_;
  std::exception_ptr consumer_failure;
  auto emit = [&](UnitResult&& result, uint64_t reserved) {
    stats.resources += result.resources;
    stats.bytes += result.bytes;
    if (result.last_of_input) ++stats.inputs;
    const InputFile& input = inputs[result.input_index];
    // A throwing consumer must not leave the threads running: drain, join, then rethrow.
    if (consumer_failure == nullptr) {
      try {
        on_result(input, std::move(result));
      } catch (...) {
        consumer_failure = std::current_exception();
      }
    }
    state.Release(reserved);
    if (progress != nullptr) progress->Update(stats.resources, stats.bytes, stats.inputs);
  };
  if (workers.empty()) {
    // One worker: this thread validates and emits, in input order by construction, so no
    // result waits for a hand-over between threads.
    Worker worker(inputs, model_, validate_, options_);
    worker.set_max_line_bytes(options_.lines.max_line_bytes);
    WorkUnit unit;
    while (state.Take(unit)) {
      uint64_t reserved = unit.reserved;
      UnitResult result = worker.Process(unit);
      if (!unit.is_document) state.Recycle(std::move(unit.text), keep_capacity);
      emit(std::move(result), reserved);
    }
  } else {
    UnitResult result;
    uint64_t reserved = 0;
    while (state.NextResult(result, reserved)) emit(std::move(result), reserved);
  }
  reader_thread.join();
  for (std::thread& w : workers) w.join();
  if (consumer_failure != nullptr) std::rethrow_exception(consumer_failure);
  if (progress != nullptr) progress->Finish();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace silta::batch
