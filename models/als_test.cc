#include "models/als.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace boomerang {
namespace {

using ::testing::HasSubstr;

// Users and items fall into `groups` groups, interleaved rather than in
// blocks ((u * 7 + 3) % groups, (i * 5 + 1) % groups), so an id mix-up
// cannot pass by luck. Each non-empty user buys 3-10 distinct items of their
// own group, weights 1-3. Every 11th user buys nothing, and the last 5 items
// are never bought. mt19937's raw output is fixed by the standard; only it
// is used (no std:: distributions).
struct Planted {
  SparseMatrix matrix;
  std::vector<int> user_group;
  std::vector<int> item_group;
};

Planted PlantedGroups(int users, int items, int groups, uint32_t seed) {
  Planted p;
  std::mt19937 rng(seed);
  p.item_group.resize(items);
  std::vector<std::vector<int32_t>> pool(groups);
  for (int i = 0; i < items; ++i) {
    p.item_group[i] = (i * 5 + 1) % groups;
    if (i < items - 5) pool[p.item_group[i]].push_back(i);
  }
  p.matrix.cols = items;
  for (int u = 0; u < users; ++u) {
    const int g = (u * 7 + 3) % groups;
    p.user_group.push_back(g);
    std::vector<std::pair<int32_t, float>> row;
    if (u % 11 != 5) {
      std::vector<int32_t> candidates = pool[g];
      const int k = 3 + static_cast<int>(rng() % 8);
      for (int j = 0; j < k; ++j) {
        const size_t pick = j + rng() % (candidates.size() - j);
        std::swap(candidates[j], candidates[pick]);
        row.emplace_back(candidates[j], 1.0f + static_cast<float>(rng() % 3));
      }
    }
    p.matrix.AddRow(row);
  }
  return p;
}

// Random users x items matrix with about `per_row` cells a row.
SparseMatrix RandomMatrix(int users, int items, int per_row, uint32_t seed) {
  std::mt19937 rng(seed);
  SparseMatrix m;
  m.cols = items;
  for (int u = 0; u < users; ++u) {
    std::vector<std::pair<int32_t, float>> row;
    const int k = static_cast<int>(rng() % (2 * per_row + 1));
    for (int j = 0; j < k; ++j) {
      row.emplace_back(static_cast<int32_t>(rng() % items),
                       1.0f + static_cast<float>(rng() % 4));
    }
    m.AddRow(row);
  }
  return m;
}

AlsOptions SmallOptions() {
  AlsOptions o;
  o.factors = 10;  // not a multiple of the 8-wide kernels: exercises tails
  o.iterations = 15;
  o.threads = 2;
  return o;
}

bool BitIdentical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(SparseMatrixTest, AddRowSortsMergesAndTransposes) {
  SparseMatrix m;
  m.AddRow({{4, 1.0f}, {1, 2.0f}, {4, 0.5f}});  // 4 repeated: summed
  m.AddRow({});                                 // empty row
  m.AddRow({{0, 3.0f}, {4, 1.0f}});
  ASSERT_TRUE(m.Validate().ok()) << m.Validate();
  EXPECT_EQ(m.rows, 3);
  EXPECT_EQ(m.cols, 5);
  EXPECT_EQ(m.offsets, (std::vector<int64_t>{0, 2, 2, 4}));
  EXPECT_EQ(m.indices, (std::vector<int32_t>{1, 4, 0, 4}));
  EXPECT_EQ(m.values, (std::vector<float>{2.0f, 1.5f, 3.0f, 1.0f}));

  SparseMatrix t = m.Transpose();
  ASSERT_TRUE(t.Validate().ok()) << t.Validate();
  EXPECT_EQ(t.rows, 5);
  EXPECT_EQ(t.cols, 3);
  EXPECT_EQ(t.offsets, (std::vector<int64_t>{0, 1, 2, 2, 2, 4}));
  EXPECT_EQ(t.indices, (std::vector<int32_t>{2, 0, 0, 2}));
  EXPECT_EQ(t.values, (std::vector<float>{3.0f, 2.0f, 1.5f, 1.0f}));
}

TEST(AlsTest, LossDecreasesOverIterations) {
  Planted p = PlantedGroups(600, 90, 3, 11);
  AlsOptions opts = SmallOptions();
  opts.iterations = 0;
  auto start = TrainAls(p.matrix, opts);
  ASSERT_TRUE(start.ok()) << start.status();
  auto start_loss = ImplicitLoss(p.matrix, *start, opts);
  ASSERT_TRUE(start_loss.ok()) << start_loss.status();

  opts.iterations = 12;
  std::vector<double> losses;
  auto model = TrainAls(p.matrix, opts,
                        [&](int iteration, double seconds, const AlsModel& m) {
                          EXPECT_EQ(iteration, static_cast<int>(losses.size()));
                          EXPECT_GE(seconds, 0);
                          losses.push_back(*ImplicitLoss(p.matrix, m, opts));
                        });
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(losses.size(), 12u);
  EXPECT_LT(losses[0], *start_loss);
  for (size_t k = 1; k < losses.size(); ++k) {
    // Each CG step lowers its row's quadratic, so the loss cannot rise
    // beyond float rounding.
    EXPECT_LE(losses[k], losses[k - 1] * (1 + 1e-5)) << "iteration " << k;
  }
  EXPECT_LT(losses.back(), 0.8 * losses[0]);
  // The model handed to the callback last is the model returned.
  EXPECT_DOUBLE_EQ(*ImplicitLoss(p.matrix, *model, opts), losses.back());
}

TEST(AlsTest, LossMatchesBruteForceOverAllCells) {
  SparseMatrix m = RandomMatrix(37, 23, 4, 3);
  ASSERT_GT(m.nnz(), 0);
  m.values[0] = 0;  // a stored zero counts as an absent cell
  AlsOptions opts = SmallOptions();
  opts.iterations = 2;
  opts.alpha = 2.5f;
  opts.regularization = 0.3f;
  auto model = TrainAls(m, opts);
  ASSERT_TRUE(model.ok()) << model.status();

  double loss = 0, weight = 0;
  for (int32_t u = 0; u < m.rows; ++u) {
    for (int32_t i = 0; i < m.cols; ++i) {
      double r = 0;
      for (int64_t k = m.offsets[u]; k < m.offsets[u + 1]; ++k) {
        if (m.indices[k] == i) r = m.values[k];
      }
      const double c = 1 + opts.alpha * r, pref = r > 0 ? 1 : 0;
      double s = 0;
      for (int k = 0; k < opts.factors; ++k) {
        s += double{model->user(u)[k]} * model->item(i)[k];
      }
      loss += c * (pref - s) * (pref - s);
      weight += c;
    }
  }
  double norms = 0;
  for (float v : model->user_factors) norms += double{v} * v;
  for (float v : model->item_factors) norms += double{v} * v;
  loss += opts.regularization * norms;

  auto fast = ImplicitLoss(m, *model, opts);
  ASSERT_TRUE(fast.ok()) << fast.status();
  EXPECT_NEAR(*fast, loss / weight, 1e-5 * loss / weight);
}

TEST(AlsTest, RecoversPlantedGroups) {
  Planted p = PlantedGroups(900, 120, 3, 5);
  auto model = TrainAls(p.matrix, SmallOptions());
  ASSERT_TRUE(model.ok()) << model.status();

  // A user's five best unseen items come from their own group.
  int in_group = 0, total = 0;
  for (int32_t u = 0; u < p.matrix.rows; ++u) {
    if (p.matrix.offsets[u] == p.matrix.offsets[u + 1]) continue;
    std::vector<bool> seen(p.matrix.cols, false);
    for (int64_t k = p.matrix.offsets[u]; k < p.matrix.offsets[u + 1]; ++k) {
      seen[p.matrix.indices[k]] = true;
    }
    std::vector<std::pair<float, int32_t>> scored;
    for (int32_t i = 0; i < p.matrix.cols; ++i) {
      if (!seen[i]) scored.emplace_back(model->Score(u, i), i);
    }
    std::partial_sort(scored.begin(), scored.begin() + 5, scored.end(),
                      std::greater<>());
    for (int k = 0; k < 5; ++k) {
      in_group += p.item_group[scored[k].second] == p.user_group[u];
      ++total;
    }
  }
  EXPECT_GE(in_group, 0.98 * total) << in_group << " of " << total;
}

TEST(AlsTest, EmptyUsersAndItemsGetZeroVectors) {
  Planted p = PlantedGroups(100, 40, 2, 9);
  auto model = TrainAls(p.matrix, SmallOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  for (int k = 0; k < model->factors; ++k) {
    EXPECT_EQ(model->user(5)[k], 0.0f);   // 5 % 11 == 5: buys nothing
    EXPECT_EQ(model->item(39)[k], 0.0f);  // the last items are never bought
  }
}

TEST(AlsTest, SameSeedSameFactorsWithAnyThreadCount) {
  // Over 1,024 rows on both sides, so Gramians are summed in several parts
  // and rows are spread over many chunks.
  SparseMatrix m = RandomMatrix(2600, 1500, 6, 21);
  AlsOptions opts = SmallOptions();
  opts.factors = 13;
  opts.iterations = 4;
  opts.threads = 1;
  auto one = TrainAls(m, opts);
  opts.threads = 4;
  auto four = TrainAls(m, opts);
  ASSERT_TRUE(one.ok() && four.ok());
  EXPECT_TRUE(BitIdentical(one->user_factors, four->user_factors));
  EXPECT_TRUE(BitIdentical(one->item_factors, four->item_factors));
  EXPECT_TRUE(BitIdentical(ItemGramian(*one, 1), ItemGramian(*one, 3)));

  opts.seed = 43;
  auto other = TrainAls(m, opts);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(BitIdentical(one->user_factors, other->user_factors));
  EXPECT_FALSE(BitIdentical(one->item_factors, other->item_factors));
  // Not merely different bits: a visibly different solution.
  double diff = 0;
  for (size_t k = 0; k < one->item_factors.size(); ++k) {
    diff = std::max<double>(
        diff, std::abs(one->item_factors[k] - other->item_factors[k]));
  }
  EXPECT_GT(diff, 1e-3);
}

TEST(AlsTest, SolveUserMatchesOneMoreUserStep) {
  Planted p = PlantedGroups(500, 80, 3, 17);
  AlsOptions opts = SmallOptions();
  opts.iterations = 30;
  auto model = TrainAls(p.matrix, opts);
  // Training is deterministic, so iteration 31's user half-step starts from
  // exactly `model`: its user rows are "one more user step" from it.
  opts.iterations = 31;
  auto next = TrainAls(p.matrix, opts);
  ASSERT_TRUE(model.ok() && next.ok());
  const std::vector<float> yty = ItemGramian(*model);

  std::vector<float> x(opts.factors);
  for (int32_t u : {0, 1, 7, 42, 123, 499}) {
    std::vector<int32_t> items(
        p.matrix.indices.begin() + p.matrix.offsets[u],
        p.matrix.indices.begin() + p.matrix.offsets[u + 1]);
    std::vector<float> values(
        p.matrix.values.begin() + p.matrix.offsets[u],
        p.matrix.values.begin() + p.matrix.offsets[u + 1]);
    ASSERT_TRUE(
        SolveUser(*model, yty, items, values, opts, absl::MakeSpan(x)).ok());
    double norm = 0, diff = 0;
    for (int k = 0; k < opts.factors; ++k) {
      norm = std::max<double>(norm, std::abs(next->user(u)[k]));
      diff = std::max<double>(diff, std::abs(next->user(u)[k] - x[k]));
    }
    EXPECT_LE(diff, 1e-3 * norm + 1e-6) << "user " << u;
  }
}

TEST(AlsTest, SolveUserSolvesNormalEquations) {
  Planted p = PlantedGroups(300, 60, 3, 23);
  AlsOptions opts = SmallOptions();
  opts.alpha = 4.0f;
  opts.iterations = 3;
  auto model = TrainAls(p.matrix, opts);
  ASSERT_TRUE(model.ok());
  const std::vector<float> yty = ItemGramian(*model);

  // Unsorted, with item 7 twice (weights summed: 2 + 1) and a zero weight.
  const std::vector<int32_t> items = {12, 7, 3, 7, 50};
  const std::vector<float> values = {1.0f, 2.0f, 1.0f, 1.0f, 0.0f};
  std::vector<float> x(opts.factors);
  ASSERT_TRUE(
      SolveUser(*model, yty, items, values, opts, absl::MakeSpan(x)).ok());

  // Oracle: the normal equations built cell by cell over every item.
  const int f = opts.factors;
  const std::vector<std::pair<int32_t, double>> cells = {
      {3, 1.0}, {7, 3.0}, {12, 1.0}};
  double worst = 0, scale = 0;
  for (int a = 0; a < f; ++a) {
    double ax = opts.regularization * x[a], b = 0;
    for (int32_t i = 0; i < model->items; ++i) {
      double r = 0;
      for (const auto& [item, weight] : cells) {
        if (item == i) r = weight;
      }
      const double c = 1 + opts.alpha * r;
      double s = 0;
      for (int k = 0; k < f; ++k) s += double{model->item(i)[k]} * x[k];
      ax += c * s * model->item(i)[a];
      if (r > 0) b += c * model->item(i)[a];
    }
    worst = std::max(worst, std::abs(ax - b));
    scale = std::max(scale, std::abs(b));
  }
  EXPECT_LE(worst, 1e-4 * scale);

  // The same user given merged weights gets the same vector.
  std::vector<float> merged(f);
  ASSERT_TRUE(SolveUser(*model, yty, std::vector<int32_t>{3, 7, 12},
                        std::vector<float>{1.0f, 3.0f, 1.0f}, opts,
                        absl::MakeSpan(merged))
                  .ok());
  EXPECT_EQ(x, merged);

  // No history: the zero vector.
  std::vector<float> empty(f, 1.0f);
  ASSERT_TRUE(SolveUser(*model, yty, {}, {}, opts, absl::MakeSpan(empty)).ok());
  EXPECT_EQ(empty, std::vector<float>(f, 0.0f));
}

TEST(AlsTest, InvalidMatrixIsInvalidArgument) {
  SparseMatrix good;
  good.AddRow({{3, 1.0f}});
  good.AddRow({});
  good.AddRow({{2, 1.0f}, {5, 2.0f}});
  good.AddRow({{0, 1.0f}, {9, 1.0f}});
  ASSERT_TRUE(good.Validate().ok());
  ASSERT_EQ(good.cols, 10);
  const int64_t row2 = good.offsets[2];  // row 2: two cells

  struct Case {
    const char* name;
    std::function<void(SparseMatrix&)> breakit;
    const char* message;
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<Case> cases = {
      {"negative value", [&](SparseMatrix& m) { m.values[row2] = -1; },
       "weight -1"},
      {"NaN value", [&](SparseMatrix& m) { m.values[row2] = nan; }, "weight"},
      {"infinite value", [&](SparseMatrix& m) { m.values[row2] = inf; },
       "weight"},
      {"column too large",
       [&](SparseMatrix& m) { m.indices[m.nnz() - 1] = 10; }, "outside"},
      {"negative column", [&](SparseMatrix& m) { m.indices[row2] = -3; },
       "outside"},
      {"duplicate column",
       [&](SparseMatrix& m) { m.indices[row2 + 1] = m.indices[row2]; },
       "strictly increasing"},
      {"offsets not monotone",
       [&](SparseMatrix& m) { m.offsets[2] = m.offsets[3] + 1; },
       "offsets decrease"},
      {"offsets too short", [&](SparseMatrix& m) { m.offsets.pop_back(); },
       "offsets"},
      {"offsets start late", [&](SparseMatrix& m) { m.offsets[0] = 1; },
       "offsets[0]"},
      {"values missing", [&](SparseMatrix& m) { m.values.pop_back(); },
       "disagree"},
      {"negative rows", [&](SparseMatrix& m) { m.rows = -1; }, "negative"},
  };
  AlsOptions opts = SmallOptions();
  for (const Case& c : cases) {
    SparseMatrix m = good;
    c.breakit(m);
    auto model = TrainAls(m, opts);
    EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument)
        << c.name;
    EXPECT_THAT(std::string(model.status().message()), HasSubstr(c.message))
        << c.name;
  }

  // A confidence that overflows a float.
  SparseMatrix big = good;
  big.values[0] = 1e38f;
  opts.alpha = 40;
  EXPECT_EQ(TrainAls(big, opts).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AlsTest, InvalidOptionsAreInvalidArgument) {
  const SparseMatrix m = RandomMatrix(20, 10, 3, 1);
  const std::vector<std::pair<const char*, std::function<void(AlsOptions&)>>>
      cases = {
          {"factors 0", [](AlsOptions& o) { o.factors = 0; }},
          {"factors -4", [](AlsOptions& o) { o.factors = -4; }},
          {"factors huge", [](AlsOptions& o) { o.factors = 100000; }},
          {"cg_steps 0", [](AlsOptions& o) { o.cg_steps = 0; }},
          {"iterations -1", [](AlsOptions& o) { o.iterations = -1; }},
          {"threads -1", [](AlsOptions& o) { o.threads = -1; }},
          {"regularization < 0",
           [](AlsOptions& o) { o.regularization = -0.1f; }},
          {"regularization NaN",
           [](AlsOptions& o) {
             o.regularization = std::numeric_limits<float>::quiet_NaN();
           }},
          {"alpha < 0", [](AlsOptions& o) { o.alpha = -1; }},
          {"alpha inf",
           [](AlsOptions& o) {
             o.alpha = std::numeric_limits<float>::infinity();
           }},
      };
  for (const auto& [name, breakit] : cases) {
    AlsOptions opts = SmallOptions();
    breakit(opts);
    EXPECT_EQ(TrainAls(m, opts).status().code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
}

TEST(AlsTest, MismatchesAreInvalidArgumentNotCrashes) {
  const SparseMatrix m = RandomMatrix(20, 10, 3, 1);
  AlsOptions opts = SmallOptions();
  auto model = TrainAls(m, opts);
  ASSERT_TRUE(model.ok());
  const std::vector<float> yty = ItemGramian(*model);
  std::vector<float> x(opts.factors);
  const auto code = [](const absl::Status& s) { return s.code(); };
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

  // ImplicitLoss: model of another shape.
  SparseMatrix wider = RandomMatrix(20, 11, 3, 1);
  EXPECT_EQ(ImplicitLoss(wider, *model, opts).status().code(), kInvalid);
  AlsModel truncated = *model;
  truncated.user_factors.pop_back();
  EXPECT_EQ(ImplicitLoss(m, truncated, opts).status().code(), kInvalid);

  // SolveUser.
  const std::vector<int32_t> one_item = {2};
  const std::vector<float> one_value = {1.0f};
  EXPECT_EQ(code(SolveUser(*model, yty, std::vector<int32_t>{10}, one_value,
                           opts, absl::MakeSpan(x))),
            kInvalid);
  EXPECT_EQ(code(SolveUser(*model, yty, std::vector<int32_t>{-1}, one_value,
                           opts, absl::MakeSpan(x))),
            kInvalid);
  EXPECT_EQ(code(SolveUser(*model, yty, one_item, std::vector<float>{-2.0f},
                           opts, absl::MakeSpan(x))),
            kInvalid);
  EXPECT_EQ(code(SolveUser(
                *model, yty, one_item,
                std::vector<float>{std::numeric_limits<float>::quiet_NaN()},
                opts, absl::MakeSpan(x))),
            kInvalid);
  EXPECT_EQ(code(SolveUser(*model, yty, one_item, std::vector<float>{}, opts,
                           absl::MakeSpan(x))),
            kInvalid);
  EXPECT_EQ(code(SolveUser(*model, absl::MakeConstSpan(yty).subspan(1),
                           one_item, one_value, opts, absl::MakeSpan(x))),
            kInvalid);
  std::vector<float> short_out(opts.factors - 1);
  EXPECT_EQ(code(SolveUser(*model, yty, one_item, one_value, opts,
                           absl::MakeSpan(short_out))),
            kInvalid);
  AlsModel no_items = *model;
  no_items.item_factors.pop_back();
  EXPECT_EQ(code(SolveUser(no_items, yty, one_item, one_value, opts,
                           absl::MakeSpan(x))),
            kInvalid);
  EXPECT_EQ(code(SolveUser(AlsModel{}, yty, one_item, one_value, opts,
                           absl::MakeSpan(x))),
            kInvalid);
  EXPECT_TRUE(
      SolveUser(*model, yty, one_item, one_value, opts, absl::MakeSpan(x))
          .ok());
}

TEST(AlsTest, EmptyMatrixTrains) {
  SparseMatrix m;  // 0 x 0
  auto model = TrainAls(m, SmallOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_TRUE(model->user_factors.empty());
  auto loss = ImplicitLoss(m, *model, SmallOptions());
  ASSERT_TRUE(loss.ok());
  EXPECT_EQ(*loss, 0.0);

  m.cols = 5;  // items but no users
  m.AddRow({});
  model = TrainAls(m, SmallOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->item_factors, std::vector<float>(5 * 10, 0.0f));
}

}  // namespace
}  // namespace boomerang
