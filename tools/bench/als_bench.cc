// Times TrainAls (models/als.h) on a generated users x items matrix.
//
//   boomerang-als-bench --users 5000 --items 4000 --nnz 270000
//       --factors 64 --iterations 15 --threads 2 [--loss]   (one line)
//
// The matrix imitates a shop: cells per user drawn from an exponential
// distribution around nnz / users (at least 1), items from a skewed
// popularity (rank = items * u^3, so the top 1% of items get ~20% of the
// cells) scattered over ids by a fixed permutation, weights 1-3. Repeated
// (user, item) draws merge, so the stored nnz is a little below --nnz; the
// real count is printed. Prints seconds per iteration and, with --loss, the
// training loss after each (costs about one extra half-step each).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "CLI/CLI.hpp"
#include "models/als.h"

namespace {

// Same generator as the model's start; any fixed generator would do.
struct SplitMix64 {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
};

boomerang::SparseMatrix Generate(int32_t users, int32_t items, int64_t nnz,
                                 uint64_t seed) {
  SplitMix64 rng{seed};
  std::vector<int32_t> permutation(items);
  std::iota(permutation.begin(), permutation.end(), 0);
  for (int32_t i = items - 1; i > 0; --i) {
    std::swap(permutation[i], permutation[rng.Next() % (i + 1)]);
  }
  const double mean = static_cast<double>(nnz) / std::max(users, 1);
  boomerang::SparseMatrix m;
  m.cols = items;
  m.offsets.reserve(static_cast<size_t>(users) + 1);
  m.indices.reserve(nnz + nnz / 8);
  m.values.reserve(nnz + nnz / 8);
  std::vector<std::pair<int32_t, float>> row;
  for (int32_t u = 0; u < users; ++u) {
    const int64_t k =
        1 + static_cast<int64_t>(-std::log(1 - rng.Uniform()) * (mean - 1));
    row.clear();
    for (int64_t j = 0; j < std::min<int64_t>(k, items); ++j) {
      const double x = rng.Uniform();
      const auto rank = static_cast<int32_t>(items * x * x * x);
      row.emplace_back(permutation[std::min(rank, items - 1)],
                       static_cast<float>(1 + rng.Next() % 3));
    }
    m.AddRow(row);
  }
  return m;
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times ALS training on a generated sparse matrix."};
  int32_t users = 5000, items = 4000;
  int64_t nnz = 270000;
  uint64_t data_seed = 1;
  bool loss = false;
  boomerang::AlsOptions options;
  options.threads = 2;
  app.add_option("--users", users, "rows")->check(CLI::PositiveNumber);
  app.add_option("--items", items, "columns")->check(CLI::PositiveNumber);
  app.add_option("--nnz", nnz, "cells to draw")->check(CLI::PositiveNumber);
  app.add_option("--data-seed", data_seed, "seed of the generated matrix");
  app.add_option("--factors", options.factors)->capture_default_str();
  app.add_option("--iterations", options.iterations)->capture_default_str();
  app.add_option("--cg-steps", options.cg_steps)->capture_default_str();
  app.add_option("--regularization", options.regularization)
      ->capture_default_str();
  app.add_option("--alpha", options.alpha)->capture_default_str();
  app.add_option("--threads", options.threads, "0 = all cores")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "seed of the model's start")
      ->capture_default_str();
  app.add_flag("--loss", loss, "print the loss after every iteration");
  CLI11_PARSE(app, argc, argv);

  auto t0 = std::chrono::steady_clock::now();
  const boomerang::SparseMatrix m = Generate(users, items, nnz, data_seed);
  const std::chrono::duration<double> gen =
      std::chrono::steady_clock::now() - t0;
  std::printf("matrix %d x %d, %lld nonzeros (generated in %.2f s)\n", m.rows,
              m.cols, static_cast<long long>(m.nnz()), gen.count());
  std::printf("factors %d, iterations %d, cg_steps %d, threads %d\n",
              options.factors, options.iterations, options.cg_steps,
              options.threads);

  double train_seconds = 0;
  t0 = std::chrono::steady_clock::now();
  auto model = boomerang::TrainAls(
      m, options,
      [&](int iteration, double seconds, const boomerang::AlsModel& model) {
        train_seconds += seconds;
        if (loss) {
          auto l = boomerang::ImplicitLoss(m, model, options);
          std::printf("iteration %2d  %7.3f s  loss %.6f\n", iteration, seconds,
                      l.ok() ? *l : NAN);
        } else {
          std::printf("iteration %2d  %7.3f s\n", iteration, seconds);
        }
        std::fflush(stdout);
      });
  const std::chrono::duration<double> total =
      std::chrono::steady_clock::now() - t0;
  if (!model.ok()) {
    std::fprintf(stderr, "TrainAls: %s\n", model.status().ToString().c_str());
    return 1;
  }
  auto final_loss = boomerang::ImplicitLoss(m, *model, options);
  std::printf(
      "TrainAls %.2f s wall (%.3f s per iteration; %.2f s outside iterations), "
      "final loss "
      "%.6f, peak RSS %.0f MiB\n",
      total.count(), train_seconds / std::max(options.iterations, 1),
      total.count() - train_seconds, final_loss.ok() ? *final_loss : NAN,
      PeakRssMiB());
  return 0;
}
