#include "snapshot/snapshot.h"

#include <gtest/gtest.h>

TEST(Snapshot, Placeholder) {}
