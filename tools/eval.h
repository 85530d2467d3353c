// `boomerang eval`: time-split offline evaluation of PersonalPicks against
// the baselines of Li et al., "A Next Basket Recommendation Reality Check"
// (TOIS 2023), computed in the same run on the same split.
#ifndef BOOMERANG_TOOLS_EVAL_H_
#define BOOMERANG_TOOLS_EVAL_H_

#include <cstdint>
#include <string>

#include "indexer/indexer.h"

namespace boomerang {

struct EvalOptions {
  IndexerOptions indexer;  // purchases, columns, exclusions, embeddings...
  // "time": a time split (the last test_days held out); "next-basket": Li
  // et al.'s protocol (each customer's last order held out, customers in
  // seeded train / validation / test folds; tools/eval_next_basket.cc).
  std::string protocol = "time";
  int test_days = 30;  // the future window after the split
  int k = 10;
  std::string work_dir;  // where the past snapshot is built (temp if empty)
  // TIFU-KNN's and UP-CF@r's parameters in the time split, as
  // ParseTifuKnnOptions / ParseUpCfOptions read them (models/eval/
  // nbr_baselines.h), e.g. "k=300,rb=0.9,rg=0.7,alpha=0.7,groups=7" and
  // "r=10,alpha=0.75,q=10"; empty: the papers' defaults. Not for the
  // next-basket protocol, which tunes both on its validation customers.
  std::string tifu, upcf;
};

// Prints the table to stdout; returns a process exit code.
int RunEval(const EvalOptions& options);
// The next-basket protocol (called by RunEval).
int RunNextBasketEval(const EvalOptions& options);
// A scratch directory for the snapshots built (options.work_dir, or a new
// temporary one: *temp true).
std::string EvalWorkDir(const EvalOptions& options, bool* temp);

}  // namespace boomerang

#endif  // BOOMERANG_TOOLS_EVAL_H_
