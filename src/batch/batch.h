// Facade of the batch module: validating many inputs (files, folders, globs; JSON, XML and
// NDJSON) on a worker pool with bounded memory, and reporting the results (OperationOutcome
// JSON, text, HTML) with the exit code of `silta validate`.
#pragma once

#include "batch/inputs.h"
#include "batch/line_reader.h"
#include "batch/progress.h"
#include "batch/report.h"
#include "batch/runner.h"
