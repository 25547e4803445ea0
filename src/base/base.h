// Facade of the base module: status, issues, files, text.
#pragma once

#include "base/files.h"
#include "base/issues.h"
#include "base/status.h"
#include "base/string_map.h"
#include "base/text.h"
