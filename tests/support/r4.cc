#include "support/r4.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "context/context.h"

namespace silta::testing {

const std::shared_ptr<const model::TypeModel>& R4Model() {
  static const std::shared_ptr<const model::TypeModel> model = [] {
    auto loaded = context::CoreTypeModel();
    if (!loaded.ok()) {
      // Every test depends on the definitions; stop loudly rather than fail thousands of times.
      std::cerr << "cannot load the R4 definitions: " << loaded.status().message() << "\n";
      std::abort();
    }
    return *loaded;
  }();
  return model;
}

std::filesystem::path R4PackageDir() {
  auto dir = context::CorePackageDir();
  if (!dir.ok()) {
    std::cerr << dir.status().message() << "\n";
    std::abort();
  }
  return *dir;
}

}  // namespace silta::testing
