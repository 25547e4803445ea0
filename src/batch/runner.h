// The batch runner: reads inputs, parses them into Documents and hands each to a validation
// callback on a pool of worker threads, emitting results in input order.
//
// One reader thread walks the inputs in order and cuts them into units of work (a whole JSON or
// XML file, or a run of NDJSON lines); workers parse and validate units in parallel; the calling
// thread receives the results strictly in input order (and, with one thread, is the worker). The
// number and total size of units in flight are bounded, so memory stays bounded however large the
// inputs are.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/issues.h"
#include "batch/inputs.h"
#include "batch/line_reader.h"
#include "model/element.h"

namespace silta::batch {

class Progress;

// The validator, or any check: called once per parsed resource, from several threads at once.
using ValidateFn = std::function<void(const model::Document&, IssueSink&)>;

struct RunOptions {
  unsigned threads = 0;  // 0: one per core
  // JSON and XML files larger than this are refused with an issue rather than parsed. Parsing
  // takes about ten times the file size in memory (a 100 MB Bundle peaks near 1 GB).
  uint64_t max_file_bytes = uint64_t{128} << 20;
  LineReaderOptions lines;  // NDJSON chunk size and line length limit
  size_t ndjson_lines_per_unit = 256;
  size_t ndjson_bytes_per_unit = size_t{4} << 20;
  size_t max_units_in_flight = 0;  // 0: four per worker
  // The reader waits while this many input bytes are read but not yet reported (one unit larger
  // than this still runs, alone), so two huge files are never parsed side by side.
  uint64_t max_bytes_in_flight = uint64_t{192} << 20;
  bool allow_unknown_elements = false;
};

// The outcome of one unit of work. Issues carry the input's name as source and line numbers of
// the input file (NDJSON lines included).
struct UnitResult {
  size_t input_index = 0;
  uint64_t resources = 0;  // resources parsed and handed to the validator
  uint64_t bytes = 0;      // input bytes this unit covered
  std::vector<Issue> issues;
  bool last_of_input = false;
  bool io_error = false;  // the input could not be read: exit code 2
};

// Called on the thread that called Run, in input order (units of one input in line order). If it
// throws, Run stops calling it, finishes the run and rethrows.
using ResultFn = std::function<void(const InputFile& input, UnitResult&& result)>;

struct RunStats {
  uint64_t inputs = 0;
  uint64_t resources = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  unsigned threads = 0;
};

class BatchRunner {
 public:
  BatchRunner(std::shared_ptr<const model::TypeModel> model, ValidateFn validate,
              RunOptions options = {});

  // Runs to the end; problems with the data or with reading an input are reported as issues
  // in the results, so there is nothing to fail. `progress` may be null.
  RunStats Run(std::span<const InputFile> inputs, const ResultFn& on_result,
               Progress* progress = nullptr) const;

  unsigned threads() const { return threads_; }

 private:
  std::shared_ptr<const model::TypeModel> model_;
  ValidateFn validate_;
  RunOptions options_;
  unsigned threads_;
};

}  // namespace silta::batch
