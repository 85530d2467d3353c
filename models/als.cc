#include "models/als.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "models/parallel_for.h"

namespace boomerang {
namespace {

constexpr int kMaxFactors = 1024;
// Rows handed to a worker at a time: small enough to balance rows of very
// different lengths, large enough that the atomic counter is not contended.
constexpr int64_t kRowChunk = 32;
// Random start: uniform in [0, kInitScale), as `implicit` does.
constexpr float kInitScale = 0.01f;
// CG stops once |r|^2 falls below this (`implicit` uses the same).
constexpr float kResidualTiny = 1e-20f;

// SplitMix64 (Steele, Lea & Flood 2014). Our own generator rather than
// std::uniform_real_distribution, whose output is allowed to differ between
// standard libraries: the same seed must give the same model everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1), 24 random bits: exact in a float.
  float NextFloat() { return static_cast<float>(Next() >> 40) * 0x1.0p-24f; }

 private:
  uint64_t state_;
};

// The vector kernels. Without -ffast-math the compiler may not reorder a
// float sum, so a plain `s += a[i] * b[i]` stays scalar; eight explicit
// partial sums (combined in a fixed order) let it use SIMD lanes while the
// result stays defined by the source.
inline float Dot(const float* a, const float* b, int n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  }
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
            ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

inline void Axpy(float s, const float* __restrict x, float* __restrict y,
                 int n) {
  for (int i = 0; i < n; ++i) y[i] += s * x[i];
}

// out = a v for a symmetric f x f `a`, as a sum of a's rows (axpy form
// vectorises; a row-dot form would be a reduction).
inline void SymMatVec(const float* a, const float* __restrict v,
                      float* __restrict out, int f) {
  std::fill(out, out + f, 0.0f);
  for (int k = 0; k < f; ++k) Axpy(v[k], a + int64_t{k} * f, out, f);
}

// Y^T Y of the n x f row-major matrix `y`, symmetric f x f. The rows are cut
// into parts that depend only on n and f; each part is summed in float over
// blocks of kBlock rows, blocks into a double per part, and parts in order,
// so the result is the same for any thread count.
std::vector<float> Gramian(const float* y, int64_t n, int f, int threads) {
  constexpr int64_t kBlock = 256;
  constexpr int64_t kMinRowsPerPart = 1024;
  constexpr int64_t kMaxParts = 64;
  const int64_t ff = int64_t{f} * f;
  const int64_t parts_by_memory =
      std::max<int64_t>(1, (int64_t{64} << 20) / (ff * 8));
  const int64_t parts = std::clamp<int64_t>(
      n / kMinRowsPerPart, 1, std::min(kMaxParts, parts_by_memory));
  const int64_t rows_per_part = (n + parts - 1) / parts;
  std::vector<double> partial(parts * ff, 0.0);
  ParallelFor(parts, 1, threads, [&](int64_t begin, int64_t end) {
    std::vector<float> block(ff);
    for (int64_t part = begin; part < end; ++part) {
      double* acc = partial.data() + part * ff;
      const int64_t lo = part * rows_per_part;
      const int64_t hi = std::min(n, lo + rows_per_part);
      for (int64_t b = lo; b < hi; b += kBlock) {
        std::fill(block.begin(), block.end(), 0.0f);
        for (int64_t r = b; r < std::min(hi, b + kBlock); ++r) {
          const float* row = y + r * f;
          // Upper triangle only: row i from column i on.
          for (int i = 0; i < f; ++i) {
            Axpy(row[i], row + i, block.data() + int64_t{i} * f + i, f - i);
          }
        }
        for (int64_t k = 0; k < ff; ++k) acc[k] += block[k];
      }
    }
  });
  std::vector<double> total(ff, 0.0);
  for (int64_t part = 0; part < parts; ++part) {
    const double* acc = partial.data() + part * ff;
    for (int64_t k = 0; k < ff; ++k) total[k] += acc[k];
  }
  std::vector<float> out(ff);
  for (int i = 0; i < f; ++i) {
    for (int j = i; j < f; ++j) {
      out[int64_t{i} * f + j] = out[int64_t{j} * f + i] =
          static_cast<float>(total[int64_t{i} * f + j]);
    }
  }
  return out;
}

// One row's CG steps on (A + Y^T (C - I) Y) x = Y^T C p, warm-started from x.
// `a` is YtY + lambda I; the row's stored cells are cols[0..len) with raw
// weights vals[0..len). r, p, ap: scratch of f floats each.
void CgRow(const float* a, const float* y, int f, const int32_t* cols,
           const float* vals, int64_t len, float alpha, int cg_steps, float* x,
           float* r, float* p, float* ap) {
  if (len == 0) {
    // No evidence: the exact solution is 0 (b = 0), as in `implicit`.
    std::fill(x, x + f, 0.0f);
    return;
  }
  // r = b - A x, with A x = a x + sum_i w_i (y_i . x) y_i and
  // b = sum_i (1 + w_i) y_i over cells with weight > 0 (w_i = alpha * r_ui).
  SymMatVec(a, x, r, f);
  for (int k = 0; k < f; ++k) r[k] = -r[k];
  for (int64_t j = 0; j < len; ++j) {
    if (vals[j] == 0) continue;  // a stored zero is an absent cell
    const float* yi = y + int64_t{cols[j]} * f;
    const float w = alpha * vals[j];
    Axpy((1.0f + w) - w * Dot(yi, x, f), yi, r, f);
  }
  std::copy(r, r + f, p);
  float rs_old = Dot(r, r, f);
  if (rs_old < kResidualTiny) return;
  for (int step = 0; step < cg_steps; ++step) {
    SymMatVec(a, p, ap, f);
    for (int64_t j = 0; j < len; ++j) {
      if (vals[j] == 0) continue;
      const float* yi = y + int64_t{cols[j]} * f;
      const float w = alpha * vals[j];
      Axpy(w * Dot(yi, p, f), yi, ap, f);
    }
    const float p_ap = Dot(p, ap, f);
    // p . A p > 0 unless A is singular (possible only with lambda = 0).
    if (!(p_ap > 0)) break;
    const float step_size = rs_old / p_ap;
    Axpy(step_size, p, x, f);
    Axpy(-step_size, ap, r, f);
    const float rs_new = Dot(r, r, f);
    if (rs_new < kResidualTiny) break;
    const float beta = rs_new / rs_old;
    for (int k = 0; k < f; ++k) p[k] = r[k] + beta * p[k];
    rs_old = rs_new;
  }
}

// One half-step: every row of `x` (m.rows x f) from the fixed other side
// `y` (m.cols x f).
void SolveRows(const SparseMatrix& m, const float* y, const AlsOptions& options,
               int threads, float* x) {
  const int f = options.factors;
  std::vector<float> a = Gramian(y, m.cols, f, threads);
  for (int k = 0; k < f; ++k) a[int64_t{k} * f + k] += options.regularization;
  ParallelFor(m.rows, kRowChunk, threads, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(3 * static_cast<size_t>(f));
    for (int64_t row = begin; row < end; ++row) {
      const int64_t lo = m.offsets[row];
      CgRow(a.data(), y, f, m.indices.data() + lo, m.values.data() + lo,
            m.offsets[row + 1] - lo, options.alpha, options.cg_steps,
            x + row * f, scratch.data(), scratch.data() + f,
            scratch.data() + 2 * f);
    }
  });
}

absl::Status ValidateWeights(const AlsOptions& options) {
  if (!(std::isfinite(options.regularization) && options.regularization >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ALS regularization must be finite and >= 0, got ",
                     options.regularization));
  }
  if (!(std::isfinite(options.alpha) && options.alpha >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ALS alpha must be finite and >= 0, got ", options.alpha));
  }
  if (options.threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ALS threads must be >= 0 (0 = all cores), got ", options.threads));
  }
  return absl::OkStatus();
}

absl::Status ValidateOptions(const AlsOptions& options) {
  if (options.factors < 1 || options.factors > kMaxFactors) {
    return absl::InvalidArgumentError(
        absl::StrCat("ALS factors must be in [1, ", kMaxFactors, "], got ",
                     options.factors));
  }
  if (options.iterations < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ALS iterations must be >= 0, got ", options.iterations));
  }
  if (options.cg_steps < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("ALS cg_steps must be >= 1, got ", options.cg_steps));
  }
  return ValidateWeights(options);
}

// Validate() plus: no confidence overflows a float.
absl::Status ValidateMatrix(const SparseMatrix& m, float alpha) {
  absl::Status status = m.Validate();
  if (!status.ok()) return status;
  float max_value = 0;
  for (float v : m.values) max_value = std::max(max_value, v);
  if (!std::isfinite(1.0f + alpha * max_value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("confidence 1 + alpha * ", max_value,
                     " overflows a float (alpha ", alpha, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

void SparseMatrix::AddRow(std::vector<std::pair<int32_t, float>> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t k = 0; k < entries.size(); ++k) {
    if (k > 0 && entries[k].first == entries[k - 1].first) {
      values.back() += entries[k].second;
      continue;
    }
    indices.push_back(entries[k].first);
    values.push_back(entries[k].second);
    cols = std::max(cols, entries[k].first + 1);
  }
  offsets.push_back(static_cast<int64_t>(indices.size()));
  ++rows;
}

absl::Status SparseMatrix::Validate() const {
  if (rows < 0 || cols < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sparse matrix has a negative shape ", rows, " x ", cols));
  }
  if (offsets.size() != static_cast<size_t>(rows) + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("sparse matrix has ", offsets.size(), " offsets for ",
                     rows, " rows; want rows + 1"));
  }
  if (offsets[0] != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sparse matrix offsets[0] is ", offsets[0], ", not 0"));
  }
  for (int32_t r = 0; r < rows; ++r) {
    if (offsets[r + 1] < offsets[r]) {
      return absl::InvalidArgumentError(
          absl::StrCat("sparse matrix offsets decrease at row ", r, ": ",
                       offsets[r], " then ", offsets[r + 1]));
    }
  }
  if (indices.size() != values.size() ||
      offsets[rows] != static_cast<int64_t>(indices.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sparse matrix sizes disagree: offsets end at ", offsets[rows], ", ",
        indices.size(), " indices, ", values.size(), " values"));
  }
  for (int32_t r = 0; r < rows; ++r) {
    for (int64_t k = offsets[r]; k < offsets[r + 1]; ++k) {
      const int32_t c = indices[k];
      if (c < 0 || c >= cols) {
        return absl::InvalidArgumentError(
            absl::StrCat("sparse matrix row ", r, " has column ", c,
                         " outside [0, ", cols, ")"));
      }
      if (k > offsets[r] && c <= indices[k - 1]) {
        return absl::InvalidArgumentError(
            absl::StrCat("sparse matrix row ", r, " has column ", c, " after ",
                         indices[k - 1],
                         ": columns must be strictly increasing (sorted, "
                         "no duplicates; AddRow does this)"));
      }
      const float v = values[k];
      if (!(std::isfinite(v) && v >= 0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("sparse matrix cell (", r, ", ", c, ") has weight ", v,
                         "; weights must be finite and >= 0"));
      }
    }
  }
  return absl::OkStatus();
}

SparseMatrix SparseMatrix::Transpose() const {
  SparseMatrix t;
  t.rows = cols;
  t.cols = rows;
  t.offsets.assign(static_cast<size_t>(cols) + 1, 0);
  for (int32_t c : indices) ++t.offsets[c + 1];
  for (int32_t c = 0; c < cols; ++c) t.offsets[c + 1] += t.offsets[c];
  t.indices.resize(indices.size());
  t.values.resize(values.size());
  std::vector<int64_t> fill(t.offsets.begin(), t.offsets.end() - 1);
  // Rows in increasing order, so every transposed row comes out sorted.
  for (int32_t r = 0; r < rows; ++r) {
    for (int64_t k = offsets[r]; k < offsets[r + 1]; ++k) {
      const int64_t at = fill[indices[k]]++;
      t.indices[at] = r;
      t.values[at] = values[k];
    }
  }
  return t;
}

float AlsModel::Score(int32_t u, int32_t i) const {
  return Dot(user(u), item(i), factors);
}

absl::StatusOr<AlsModel> TrainAls(const SparseMatrix& user_items,
                                  const AlsOptions& options,
                                  const AlsProgress& progress) {
  absl::Status status = ValidateOptions(options);
  if (status.ok()) status = ValidateMatrix(user_items, options.alpha);
  if (!status.ok()) return status;
  const int threads = ResolveThreads(options.threads);
  const int f = options.factors;

  AlsModel model;
  model.factors = f;
  model.users = user_items.rows;
  model.items = user_items.cols;
  model.user_factors.resize(static_cast<size_t>(model.users) * f);
  model.item_factors.resize(static_cast<size_t>(model.items) * f);
  SplitMix64 rng(options.seed);
  for (float& v : model.user_factors) v = rng.NextFloat() * kInitScale;
  for (float& v : model.item_factors) v = rng.NextFloat() * kInitScale;

  const SparseMatrix item_users = user_items.Transpose();
  for (int iteration = 0; iteration < options.iterations; ++iteration) {
    const auto start = std::chrono::steady_clock::now();
    SolveRows(user_items, model.item_factors.data(), options, threads,
              model.user_factors.data());
    SolveRows(item_users, model.user_factors.data(), options, threads,
              model.item_factors.data());
    if (progress) {
      const std::chrono::duration<double> took =
          std::chrono::steady_clock::now() - start;
      progress(iteration, took.count(), model);
    }
  }
  return model;
}

absl::StatusOr<double> ImplicitLoss(const SparseMatrix& user_items,
                                    const AlsModel& model,
                                    const AlsOptions& options) {
  absl::Status status = ValidateWeights(options);
  if (status.ok()) status = ValidateMatrix(user_items, options.alpha);
  if (!status.ok()) return status;
  const int f = model.factors;
  if (f < 1 || model.users != user_items.rows ||
      model.items != user_items.cols ||
      model.user_factors.size() != static_cast<size_t>(model.users) * f ||
      model.item_factors.size() != static_cast<size_t>(model.items) * f) {
    return absl::InvalidArgumentError(
        absl::StrCat("ALS model (", model.users, " x ", model.items, ", ", f,
                     " factors) does not fit a ", user_items.rows, " x ",
                     user_items.cols, " matrix"));
  }
  const int threads = ResolveThreads(options.threads);
  const double lambda = options.regularization;
  const std::vector<float> yty =
      Gramian(model.item_factors.data(), model.items, f, threads);

  // Per-row sums, added up in row order afterwards: deterministic.
  std::vector<double> row_loss(model.users, 0.0);
  ParallelFor(model.users, kRowChunk, threads, [&](int64_t begin, int64_t end) {
    std::vector<float> yty_x(f);
    for (int64_t u = begin; u < end; ++u) {
      const float* x = model.user(static_cast<int32_t>(u));
      // Every cell as if unobserved (c = 1, p = 0): sum_i (x . y_i)^2 =
      // x^T YtY x. Then correct the stored cells.
      SymMatVec(yty.data(), x, yty_x.data(), f);
      double loss = 0, norm = 0;
      for (int k = 0; k < f; ++k) {
        loss += static_cast<double>(yty_x[k]) * x[k];
        norm += static_cast<double>(x[k]) * x[k];
      }
      for (int64_t j = user_items.offsets[u]; j < user_items.offsets[u + 1];
           ++j) {
        const double v = user_items.values[j];
        if (v == 0) continue;
        const float* y = model.item(user_items.indices[j]);
        double s = 0;
        for (int k = 0; k < f; ++k) s += static_cast<double>(x[k]) * y[k];
        const double c = 1.0 + options.alpha * v;
        loss += c * (1 - s) * (1 - s) - s * s;
      }
      row_loss[u] = loss + lambda * norm;
    }
  });
  double total = 0;
  for (double l : row_loss) total += l;
  double item_norm = 0;
  for (float v : model.item_factors) item_norm += static_cast<double>(v) * v;
  total += lambda * item_norm;
  double weight = static_cast<double>(model.users) * model.items;
  for (float v : user_items.values) weight += options.alpha * double{v};
  return weight > 0 ? total / weight : 0.0;
}

std::vector<float> ItemGramian(const AlsModel& model, int threads) {
  if (model.factors < 1) return {};
  // Sized from the vector itself, so a malformed model cannot make us read
  // past it (SolveUser then reports the mismatch).
  const int64_t n =
      static_cast<int64_t>(model.item_factors.size()) / model.factors;
  return Gramian(model.item_factors.data(), n, model.factors,
                 ResolveThreads(threads));
}

absl::Status SolveUser(const AlsModel& model,
                       absl::Span<const float> item_gramian,
                       absl::Span<const int32_t> items,
                       absl::Span<const float> values,
                       const AlsOptions& options, absl::Span<float> out) {
  const int f = model.factors;
  if (f < 1 ||
      model.item_factors.size() != static_cast<size_t>(model.items) * f) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ALS model is malformed: ", model.items, " items x ", f,
        " factors but ", model.item_factors.size(), " item floats"));
  }
  const size_t ff = static_cast<size_t>(f) * f;
  if (item_gramian.size() != ff) {
    return absl::InvalidArgumentError(
        absl::StrCat("item Gramian has ", item_gramian.size(),
                     " floats; want factors^2 = ", ff));
  }
  if (out.size() != static_cast<size_t>(f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("output has ", out.size(), " floats; want factors = ", f));
  }
  if (items.size() != values.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(items.size(), " items but ", values.size(), " values"));
  }
  absl::Status status = ValidateWeights(options);
  if (!status.ok()) return status;

  std::vector<std::pair<int32_t, float>> cells;
  cells.reserve(items.size());
  for (size_t k = 0; k < items.size(); ++k) {
    if (items[k] < 0 || items[k] >= model.items) {
      return absl::InvalidArgumentError(
          absl::StrCat("item ", items[k], " outside [0, ", model.items, ")"));
    }
    if (!(std::isfinite(values[k]) && values[k] >= 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("item ", items[k], " has weight ", values[k],
                       "; weights must be finite and >= 0"));
    }
    cells.emplace_back(items[k], values[k]);
  }
  // Merge repeats first: p_ui is 0/1 per cell, so summing the weights is not
  // the same as counting a cell twice.
  std::sort(cells.begin(), cells.end());
  size_t kept = 0;
  for (size_t k = 0; k < cells.size(); ++k) {
    if (kept > 0 && cells[kept - 1].first == cells[k].first) {
      cells[kept - 1].second += cells[k].second;
    } else {
      cells[kept++] = cells[k];
    }
  }
  cells.resize(kept);

  // A = YtY + lambda I + sum w y y^T (lower triangle), b = sum (1 + w) y.
  std::vector<double> a(ff), b(f, 0.0);
  for (size_t k = 0; k < ff; ++k) a[k] = item_gramian[k];
  for (int i = 0; i < f; ++i) a[i * f + i] += options.regularization;
  bool any = false;
  for (const auto& [item, value] : cells) {
    if (value == 0) continue;
    const double w = static_cast<double>(options.alpha) * value;
    if (!std::isfinite(w)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "confidence of item ", item, " (weight ", value, ") overflows"));
    }
    any = true;
    const float* y = model.item(item);
    for (int i = 0; i < f; ++i) {
      b[i] += (1.0 + w) * y[i];
      const double wy = w * y[i];
      for (int j = 0; j <= i; ++j) a[i * f + j] += wy * y[j];
    }
  }
  if (!any) {
    std::fill(out.begin(), out.end(), 0.0f);
    return absl::OkStatus();
  }
  // Cholesky A = L L^T in place (lower triangle).
  for (int j = 0; j < f; ++j) {
    double d = a[j * f + j];
    for (int k = 0; k < j; ++k) d -= a[j * f + k] * a[j * f + k];
    if (!(d > 1e-12 * std::abs(a[j * f + j]))) {
      return absl::FailedPreconditionError(
          "ALS user system is singular; use regularization > 0");
    }
    const double l = std::sqrt(d);
    a[j * f + j] = l;
    for (int i = j + 1; i < f; ++i) {
      double s = a[i * f + j];
      for (int k = 0; k < j; ++k) s -= a[i * f + k] * a[j * f + k];
      a[i * f + j] = s / l;
    }
  }
  // L z = b, then L^T x = z (in b).
  for (int i = 0; i < f; ++i) {
    double s = b[i];
    for (int k = 0; k < i; ++k) s -= a[i * f + k] * b[k];
    b[i] = s / a[i * f + i];
  }
  for (int i = f - 1; i >= 0; --i) {
    double s = b[i];
    for (int k = i + 1; k < f; ++k) s -= a[k * f + i] * b[k];
    b[i] = s / a[i * f + i];
  }
  for (int i = 0; i < f; ++i) out[i] = static_cast<float>(b[i]);
  return absl::OkStatus();
}

}  // namespace boomerang
