#include "models/ann/dot.h"

namespace boomerang::ann {

// The compiler may put the eight lanes in vector registers without
// reordering a sum (it does not reassociate floats, so a single running sum
// would stay scalar).
__attribute__((target_clones("arch=x86-64-v3", "default"))) float Dot(
    const float* x, const float* y, int dim) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int d = 0;
  for (; d + 8 <= dim; d += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += x[d + j] * y[d + j];
  }
  for (; d < dim; ++d) acc[d & 7] += x[d] * y[d];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
         ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

}  // namespace boomerang::ann
