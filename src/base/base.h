// Facade of the base module: status, issues, files, text, numbers, attributes, suggestions,
// lifetime.
#pragma once

#include "base/attributes.h"
#include "base/digest.h"
#include "base/files.h"
#include "base/issues.h"
#include "base/lifetime.h"
#include "base/numbers.h"
#include "base/status.h"
#include "base/string_map.h"
#include "base/suggest.h"
#include "base/text.h"
