// The request-specific inputs every ranker of models/rank/ takes besides the
// item graph: which items the request allows (filter, exclusions, stock) and
// how much the request's customer likes an item.
//
// Thread-safety: a value for one call; the callbacks are the caller's.
#ifndef BOOMERANG_MODELS_RANK_RANK_CONTEXT_H_
#define BOOMERANG_MODELS_RANK_RANK_CONTEXT_H_

#include <cstdint>
#include <functional>

namespace boomerang {

// std::function, not absl::FunctionRef: a context is often built from
// lambdas in one expression, and a FunctionRef to a temporary dangles.
struct RankContext {
  // False for items the answer must not contain.
  std::function<bool(int32_t)> allowed;
  // The customer's taste for an item: cosine of their vector and the
  // item's, in [-1, 1]; 0 without a customer or a vector.
  std::function<float(int32_t)> taste;
  // Whether `taste` can be non-zero at all (a known customer with a
  // vector): rankers skip its cost otherwise.
  bool has_taste = false;
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_RANK_CONTEXT_H_
