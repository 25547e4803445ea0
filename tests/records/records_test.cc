#include "records/records.h"

#include <gtest/gtest.h>
