// make_ndjson OUTPUT [COUNT [SEED]]: writes a synthetic NDJSON data set (default 200 000
// resources) for benchmarking `silta validate`. Same count and seed, same file.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "support/synthetic_ndjson.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::cerr << "usage: make_ndjson OUTPUT [COUNT [SEED]]\n";
    return 2;
  }
  uint64_t count = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200000;
  uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 20240301;
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  if (!out) {
    std::cerr << "cannot write " << argv[1] << "\n";
    return 2;
  }
  uint64_t bytes = silta::bench::WriteSyntheticNdjson(out, count, seed);
  out.close();
  if (!out) {
    std::cerr << "cannot write " << argv[1] << "\n";
    return 2;
  }
  std::cerr << "wrote " << count << " resources, " << bytes << " bytes to " << argv[1] << "\n";
  return 0;
}
