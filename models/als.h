// Implicit-feedback matrix factorisation: alternating least squares (ALS)
// with a conjugate-gradient (CG) inner solver.
//
// Model (Hu, Koren & Volinsky 2008, "Collaborative Filtering for Implicit
// Feedback Datasets"). The input is a users x items matrix of raw weights
// r_ui >= 0 (purchase counts, quantities, ...; a cell not stored has
// r_ui = 0). Every cell, stored or not, gets
//   preference  p_ui = 1 if r_ui > 0 else 0
//   confidence  c_ui = 1 + alpha * r_ui
// and we look for user vectors x_u and item vectors y_i (f = `factors`
// numbers each) minimising, over ALL rows * cols cells,
//   sum_ui c_ui (p_ui - x_u . y_i)^2 + lambda (sum_u |x_u|^2 + sum_i |y_i|^2).
// A stored zero is the same as an absent cell. Note the difference from the
// `implicit` library, which takes the stored value itself (scaled by alpha in
// recent versions) as c_ui: there a weight below 1 / alpha makes a purchase
// count *less* than a non-purchase. Hu's 1 + alpha * r never does.
//
// Training alternates: all users given the items, then all items given the
// users (one "iteration" is both). With the other side Y fixed, user u's
// normal equations are
//   (YtY + lambda I + Y^T (C_u - I) Y) x_u = Y^T C_u p_u,
// where C_u - I is non-zero only on u's stored items. Following Takacs et al.
// (2011, "Applications of the conjugate gradient method for implicit feedback
// collaborative filtering") and `implicit`'s least_squares_cg, each row is
// not solved exactly: `cg_steps` CG steps are taken from the row's previous
// value, and the f x f matrix is never formed (YtY is computed once per
// half-step and shared; the sparse part is applied through the row's
// nonzeros). Cost of one iteration: about
//   (cg_steps + 1) * ((rows + cols) * f^2 + 4 * nnz * f)
// multiply-adds plus two Gramians ((rows + cols) * f^2 / 2). Memory:
// the input, its transpose (O(nnz)) and the factors ((rows + cols) * f floats).
//
// Determinism: the same input, options and seed give bit-identical factors
// whatever `threads` is. Each row's solve reads only the other side (fixed
// during a half-step) and its own previous value; Gramians are summed over a
// partition of the rows that depends on the row count only, in a fixed order;
// the initial factors come from our own SplitMix64 generator, because
// std:: distributions are allowed to differ between standard libraries.
// Results can differ between compilers or flags (e.g. FMA contraction).
//
// Thread-safety: the free functions are safe to call concurrently (they only
// read their inputs and keep no state between calls); SparseMatrix and
// AlsModel are plain values (const use from many threads is safe). TrainAls,
// ImplicitLoss and ItemGramian start and join their own worker threads;
// SolveUser runs on the caller's thread (meant for the request path).
#ifndef BOOMERANG_MODELS_ALS_H_
#define BOOMERANG_MODELS_ALS_H_

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace boomerang {

// Compressed sparse rows: row r holds the columns indices[offsets[r] ..
// offsets[r+1]) with their values. Values are the raw weights r_ui described
// above (not confidences). Valid means (see Validate): rows, cols >= 0;
// offsets.size() == rows + 1, offsets[0] == 0, non-decreasing, and
// offsets[rows] == indices.size() == values.size(); within a row, column
// indices strictly increasing (so no duplicates) and in [0, cols); values
// finite and >= 0.
struct SparseMatrix {
  int32_t rows = 0;
  int32_t cols = 0;
  std::vector<int64_t> offsets{0};
  std::vector<int32_t> indices;
  std::vector<float> values;

  int64_t nnz() const { return static_cast<int64_t>(indices.size()); }

  // Appends one row. `entries` (column, weight) are sorted by column here
  // and the weights of a repeated column are summed. `cols` grows to cover
  // the largest column; it never shrinks, so it may be set beforehand to
  // include columns no row uses. Bad values are kept, for Validate to report.
  void AddRow(std::vector<std::pair<int32_t, float>> entries);

  // OK, or InvalidArgument naming the first broken rule and where.
  absl::Status Validate() const;

  // The cols x rows transpose, rows sorted. REQUIRES: Validate().ok().
  SparseMatrix Transpose() const;
};

struct AlsOptions {
  // Length f of every user and item vector. Time grows as f^2 (the dense
  // part of each solve) and f (the sparse part), memory as f. 64 keeps
  // training of a 1M x 100k, 40M-cell shop in minutes on 2 cores; 100-200
  // may fit a large catalogue better, but the f^2 part then costs 2.5-10x.
  // Must be in [1, 1024].
  int factors = 64;
  // lambda above. Larger shrinks vectors and favours popular items; 0 is
  // allowed but may leave rows unstable where the data is thin. Free to
  // change. Must be finite and >= 0.
  float regularization = 0.01f;
  // Confidence scale: c = 1 + alpha * r. 0 weighs every cell the same; the
  // larger it is, the more a purchase outweighs the many non-purchases
  // (Hu et al. used 40 on TV watching data). Free to change; should be tuned
  // on a hold-out. Must be finite and >= 0.
  float alpha = 1.0f;
  // Full iterations (user half-step + item half-step). Time is linear in it;
  // the loss usually flattens after 10-20. 0 returns the random start.
  int iterations = 15;
  // CG steps per row per half-step (warm-started, so errors do not
  // accumulate across iterations). 3 is `implicit`'s default and close to
  // exact ALS after a few iterations; each extra step costs about 1/4 more.
  // Must be >= 1.
  int cg_steps = 3;
  // Worker threads; 0 means std::thread::hardware_concurrency(). Does not
  // change the result.
  int threads = 0;
  // Seed of the random start (uniform in [0, 0.01) as in `implicit`).
  uint64_t seed = 42;
};

// Dense factors, row-major: user u is user_factors[u * factors ..
// (u + 1) * factors), item i likewise. After at least one iteration, a user
// or item with no stored cells has the zero vector (it scores 0 everywhere).
struct AlsModel {
  int32_t factors = 0;
  int32_t users = 0;
  int32_t items = 0;
  std::vector<float> user_factors;  // users * factors
  std::vector<float> item_factors;  // items * factors

  // REQUIRES: 0 <= u < users (resp. 0 <= i < items).
  float* user(int32_t u) { return user_factors.data() + int64_t{u} * factors; }
  const float* user(int32_t u) const {
    return user_factors.data() + int64_t{u} * factors;
  }
  float* item(int32_t i) { return item_factors.data() + int64_t{i} * factors; }
  const float* item(int32_t i) const {
    return item_factors.data() + int64_t{i} * factors;
  }
  // Predicted preference x_u . y_i. REQUIRES: u, i in range.
  float Score(int32_t u, int32_t i) const;
};

// Called after each iteration (0-based) with that iteration's wall time and
// the model as it stands; the model reference is valid during the call only.
// Passing the model (rather than only the time) lets a caller print the loss
// per iteration or keep a copy of an intermediate model without training
// twice.
using AlsProgress =
    std::function<void(int iteration, double seconds, const AlsModel& model)>;

// Trains on `user_items` (users x items). InvalidArgument if the matrix or
// the options are invalid; nothing else fails.
absl::StatusOr<AlsModel> TrainAls(const SparseMatrix& user_items,
                                  const AlsOptions& options,
                                  const AlsProgress& progress = nullptr);

// The objective above divided by the total weight of all cells,
// rows * cols + alpha * sum(values) (the normalisation of `implicit`'s
// calculate_loss, so numbers compare across data sets). Computed in
// O(rows * f^2 + nnz * f) with the YtY trick, without visiting empty cells.
// Uses options.regularization, .alpha and .threads. InvalidArgument if the
// matrix, the options or the model's shape do not fit.
absl::StatusOr<double> ImplicitLoss(const SparseMatrix& user_items,
                                    const AlsModel& model,
                                    const AlsOptions& options);

// Y^T Y over the model's item vectors (factors x factors, row-major,
// without lambda): the shared part of every user's equations. Compute it
// once per model and pass it to SolveUser. Deterministic for any `threads`
// (0 = hardware).
std::vector<float> ItemGramian(const AlsModel& model, int threads = 0);

// Folds in one user who is not (or no longer correctly) in the model: the
// vector x minimising the objective for this user's row with the items
// fixed, i.e. what an exact user half-step would give. `items` / `values`
// are the user's item ids and raw weights (any order; a repeated item's
// weights are summed, as AddRow does). Uses options.regularization and
// .alpha. Solved exactly (Cholesky, in double) rather than with cg_steps:
// a new user has no previous vector to warm-start from, and at f = 64 the
// exact solve is cheap (measured: ~35 us with 5 items, ~75 us with 50,
// ~0.4 ms with 500; O(n f^2 + f^3)). Writes `out` (factors floats); an empty
// history gives the zero vector.
// Errors: InvalidArgument for a Gramian or `out` of the wrong size, an item
// out of range, a weight negative or not finite, mismatched spans or bad
// options; FailedPrecondition if the system is singular (possible only with
// regularization 0).
absl::Status SolveUser(const AlsModel& model,
                       absl::Span<const float> item_gramian,
                       absl::Span<const int32_t> items,
                       absl::Span<const float> values,
                       const AlsOptions& options, absl::Span<float> out);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_ALS_H_
