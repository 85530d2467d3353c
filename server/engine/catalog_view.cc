#include "server/engine/catalog_view.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "models/timestamp.h"

namespace boomerang {
namespace {

// Look-alikes kept per new item, and the most of a known item's list a
// new item may join (those are its closest name-alikes).
constexpr size_t kNewSimilar = 30;
constexpr size_t kJoinLists = 10;
// A title token in more items than this says little ("set", "of"): it is
// left out of the candidate search (its weight would be near zero anyway).
constexpr size_t kMaxPostings = 5000;
// Added to a look-alike's title cosine when it has the same category (the
// indexer's blend weighs category similarly).
constexpr float kSameCategory = 0.3f;

std::vector<std::string> Tokens(absl::string_view title) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : title) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      cur.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](const std::string& t) { return t.size() < 2; }),
            out.end());
  return out;
}

}  // namespace

int64_t CatalogTimeOf(const Snapshot& snapshot) {
  const std::string& t = snapshot.manifest().catalog_time();
  if (t.empty()) return 0;
  auto parsed = ParseTimestamp(t);
  return parsed.ok() ? *parsed : 0;
}

// ---- CatalogOverlay --------------------------------------------------------

std::shared_ptr<const CatalogOverlay> CatalogOverlay::Build(
    const Snapshot& base, const std::vector<CatalogUpdate>& updates) {
  auto overlay = std::shared_ptr<CatalogOverlay>(new CatalogOverlay(base));
  absl::flat_hash_set<std::string> touched;
  for (const CatalogUpdate& u : updates)
    overlay->ApplyAfterCatalog(u, &touched);
  if (overlay->records_.empty()) return nullptr;
  overlay->Finish(std::vector<std::string>(touched.begin(), touched.end()));
  return overlay;
}

std::shared_ptr<const CatalogOverlay> CatalogOverlay::Extend(
    const CatalogOverlay& prev, const std::vector<CatalogUpdate>& batch) {
  for (const CatalogUpdate& u : batch) {
    if (u.micros < prev.newest_micros_) return nullptr;
    if ((u.update.has_title() || u.update.has_category()) &&
        prev.new_index_.contains(u.update.item_id())) {
      return nullptr;
    }
  }
  auto overlay = std::shared_ptr<CatalogOverlay>(new CatalogOverlay(prev));
  absl::flat_hash_set<std::string> touched;
  for (const CatalogUpdate& u : batch) overlay->ApplyAfterCatalog(u, &touched);
  overlay->Finish(std::vector<std::string>(touched.begin(), touched.end()));
  return overlay;
}

void CatalogOverlay::ApplyAfterCatalog(
    const CatalogUpdate& u, absl::flat_hash_set<std::string>* touched) {
  if (u.micros / 1000000 <= CatalogTimeOf(*base_)) return;
  const int32_t before = FindItem(u.update.item_id());
  if (before >= 0) touched->insert(item(before).category());
  Apply(u);
  touched->insert(item(FindItem(u.update.item_id())).category());
  newest_micros_ = std::max(newest_micros_, u.micros);
}

void CatalogOverlay::Apply(const CatalogUpdate& c) {
  const v1::ItemUpdate& u = c.update;
  int32_t index = FindItem(u.item_id());
  if (index < 0) {
    index = num_items();
    new_ids_.push_back(u.item_id());
    new_index_[u.item_id()] = index;
    // A new item is in stock unless the update says otherwise: a shop adds
    // what it sells.
    records_[index].set_in_stock(true);
  }
  auto [it, added] = records_.try_emplace(index);
  if (added) it->second = base_->item(index);
  v1::ItemRecord& rec = it->second;
  if (u.has_price() && u.price() != rec.price()) {
    v1::PriceChange ch;
    ch.set_time(c.micros / 1000000);
    ch.set_from_price(rec.price());
    ch.set_to_price(u.price());
    ch.set_source("update");
    std::shared_ptr<std::vector<v1::PriceChange>>& history = prices_[index];
    if (history == nullptr) {
      history = std::make_shared<std::vector<v1::PriceChange>>();
    } else if (history.use_count() > 1) {
      // Still shared with the overlay this one was extended from.
      history = std::make_shared<std::vector<v1::PriceChange>>(*history);
    }
    history->push_back(std::move(ch));
    rec.set_price(u.price());
  }
  const bool was_in_stock = rec.in_stock();
  if (u.has_stock_quantity()) {
    rec.set_stock_quantity(u.stock_quantity());
    rec.set_in_stock(u.stock_quantity() > 0);
  }
  // An explicit in_stock wins over the quantity (proto: "0 means out of
  // stock unless in_stock says otherwise").
  if (u.has_in_stock()) rec.set_in_stock(u.in_stock());
  if (rec.in_stock() != was_in_stock) {
    // Back-in-stock triggers ask whether an item was sold out when a
    // customer looked at it.
    std::shared_ptr<std::vector<StockChange>>& history = stock_[index];
    if (history == nullptr) {
      history = std::make_shared<std::vector<StockChange>>();
    } else if (history.use_count() > 1) {
      history = std::make_shared<std::vector<StockChange>>(*history);
    }
    history->push_back({c.micros / 1000000, rec.in_stock()});
  }
  if (u.has_title()) rec.set_title(u.title());
  if (u.has_category()) rec.set_category(u.category());
  if (u.has_brand()) rec.set_brand(u.brand());
  if (u.has_recommendable()) rec.set_not_recommendable(!u.recommendable());
}

void CatalogOverlay::Finish(const std::vector<std::string>& touched) {
  for (const std::string& category : touched) {
    if (category.empty()) continue;
    // Known items first (the snapshot's order by orders), minus those that
    // left the category; then new items of it, most recently added last.
    std::vector<int32_t> best;
    for (int32_t i : base_->CategoryBestSellers(category)) {
      if (item(i).category() == category) best.push_back(i);
    }
    for (const auto& [index, rec] : records_) {
      if (rec.category() != category) continue;
      if (index < base_->num_items() &&
          base_->item(index).category() == category) {
        continue;  // already listed
      }
      best.push_back(index);
    }
    std::stable_sort(best.begin() + 0, best.end(), [&](int32_t a, int32_t b) {
      const bool na = a >= base_->num_items(), nb = b >= base_->num_items();
      if (na != nb) return nb;  // new items after known ones
      if (na) return a < b;
      return false;
    });
    std::vector<int32_t> by_price = best;
    std::stable_sort(by_price.begin(), by_price.end(),
                     [&](int32_t a, int32_t b) {
                       return item(a).price() < item(b).price();
                     });
    best_[category] = std::move(best);
    by_price_[category] = std::move(by_price);
  }
  FindLookAlikes();
}

// Hand-written rather than the indexer's TF-IDF model (models/
// item_similarity.h): that one fits the whole catalog in a batch, while a
// new item needs its look-alikes within the request that follows the
// update, against a catalog that is already fitted. Token overlap weighted
// by inverse document frequency over the snapshot's titles, cosine-
// normalised, plus a bonus for the same category, is the same idea at the
// cost of one pass over the postings of the item's own tokens.
void CatalogOverlay::FindLookAlikes() {
  if (looked_up_ >= new_ids_.size()) return;
  const int32_t n = num_items();
  absl::flat_hash_map<std::string, std::vector<int32_t>> postings;
  std::vector<std::vector<std::string>> tokens(n);
  for (int32_t i = 0; i < n; ++i) {
    tokens[i] = Tokens(item(i).title());
    for (const std::string& t : tokens[i]) postings[t].push_back(i);
  }
  auto idf = [&](const std::string& t) {
    auto it = postings.find(t);
    const double df = it == postings.end() ? 1 : it->second.size();
    return std::log(1.0 + n / df);
  };
  std::vector<double> norms(n, 0);
  auto norm = [&](int32_t i) {
    if (norms[i] == 0) {
      double s = 0;
      for (const std::string& t : tokens[i]) s += idf(t) * idf(t);
      norms[i] = s > 0 ? std::sqrt(s) : -1;
    }
    return norms[i];
  };
  for (int32_t k = static_cast<int32_t>(looked_up_);
       k < static_cast<int32_t>(new_ids_.size()); ++k) {
    const int32_t self = base_->num_items() + k;
    const v1::ItemRecord& rec = item(self);
    if (rec.title().empty() || rec.category().empty()) continue;
    absl::flat_hash_map<int32_t, double> dot;
    for (const std::string& t : tokens[self]) {
      const std::vector<int32_t>& p = postings[t];
      if (p.size() > kMaxPostings) continue;
      const double w = idf(t) * idf(t);
      for (int32_t j : p) {
        if (j != self) dot[j] += w;
      }
    }
    // Same-category items without a shared token still count: a new item
    // with an odd name gets its category's best sellers.
    for (int32_t j : CategoryBestSellers(rec.category())) {
      if (j != self && dot.size() < 4 * kNewSimilar) dot.try_emplace(j, 0);
    }
    std::vector<SimilarEdge> edges;
    for (const auto& [j, d] : dot) {
      const float title = norm(self) > 0 && norm(j) > 0
                              ? static_cast<float>(d / (norm(self) * norm(j)))
                              : 0.f;
      const bool same = item(j).category() == rec.category();
      edges.push_back(SimilarEdge{j, title + (same ? kSameCategory : 0.f),
                                  title, 0.f, same});
    }
    std::sort(edges.begin(), edges.end(),
              [](const SimilarEdge& a, const SimilarEdge& b) {
                return a.similarity != b.similarity
                           ? a.similarity > b.similarity
                           : a.item < b.item;
              });
    if (edges.size() > kNewSimilar) edges.resize(kNewSimilar);
    // The closest known name-alikes list the new item too (where it ranks
    // among their look-alikes by the same score).
    for (size_t e = 0; e < edges.size() && e < kJoinLists; ++e) {
      const SimilarEdge& to = edges[e];
      if (to.title <= 0) continue;
      auto [it, added] = similar_.try_emplace(to.item);
      if (added) {
        absl::Span<const SimilarEdge> base_list =
            to.item < base_->num_items() ? base_->Similar(to.item)
                                         : absl::Span<const SimilarEdge>();
        it->second.assign(base_list.begin(), base_list.end());
      }
      SimilarEdge back{self, to.similarity, to.title, 0.f, to.same_category};
      auto pos = std::find_if(
          it->second.begin(), it->second.end(),
          [&](const SimilarEdge& x) { return x.similarity < back.similarity; });
      it->second.insert(pos, back);
    }
    auto [mine, added] = similar_.try_emplace(self);
    mine->second.insert(mine->second.begin(), edges.begin(), edges.end());
  }
  looked_up_ = new_ids_.size();
}

const std::vector<v1::PriceChange>* CatalogOverlay::LivePrices(
    int32_t index) const {
  auto it = prices_.find(index);
  return it == prices_.end() ? nullptr : it->second.get();
}

bool CatalogOverlay::InStockAt(int32_t index, int64_t time) const {
  // Before the snapshot's catalog nothing is known of its stock (the
  // changes before it are in no history): taken as in stock, so that no
  // "back in stock" is told for an item that may never have been out.
  if (time <= CatalogTimeOf(*base_)) return true;
  auto it = stock_.find(index);
  if (it == stock_.end()) return item(index).in_stock();
  // Before the first live change: what that change changed from.
  const std::vector<StockChange>& changes = *it->second;
  bool in = !changes.front().in_stock;
  for (const StockChange& c : changes) {
    if (c.time > time) break;
    in = c.in_stock;
  }
  return in;
}

int32_t CatalogOverlay::num_items() const {
  return base_->num_items() + static_cast<int32_t>(new_ids_.size());
}

const std::string& CatalogOverlay::item_id(int32_t index) const {
  return index < base_->num_items() ? base_->item_id(index)
                                    : new_ids_[index - base_->num_items()];
}

const v1::ItemRecord& CatalogOverlay::item(int32_t index) const {
  auto it = records_.find(index);
  return it != records_.end() ? it->second : base_->item(index);
}

int32_t CatalogOverlay::FindItem(absl::string_view item_id) const {
  const int32_t known = base_->FindItem(item_id);
  if (known >= 0) return known;
  auto it = new_index_.find(item_id);
  return it == new_index_.end() ? -1 : it->second;
}

absl::Span<const Neighbor> CatalogOverlay::Fbt(int32_t index) const {
  return index < base_->num_items() ? base_->Fbt(index)
                                    : absl::Span<const Neighbor>();
}

int64_t CatalogOverlay::fbt_anchor_orders(int32_t index) const {
  return index < base_->num_items() ? base_->fbt_anchor_orders(index) : 0;
}

absl::Span<const SimilarEdge> CatalogOverlay::Similar(int32_t index) const {
  auto it = similar_.find(index);
  if (it != similar_.end()) return it->second;
  return index < base_->num_items() ? base_->Similar(index)
                                    : absl::Span<const SimilarEdge>();
}

absl::Span<const int32_t> CatalogOverlay::CategoryBestSellers(
    absl::string_view category) const {
  auto it = best_.find(category);
  return it != best_.end() ? it->second : base_->CategoryBestSellers(category);
}

absl::Span<const int32_t> CatalogOverlay::CategoryByPrice(
    absl::string_view category) const {
  auto it = by_price_.find(category);
  return it != by_price_.end() ? it->second : base_->CategoryByPrice(category);
}

float CatalogOverlay::Popularity(int32_t index) const {
  return index < base_->num_items() ? base_->Popularity(index) : 0.f;
}

const v1::PopularItems& CatalogOverlay::popular() const {
  return base_->popular();
}

int CatalogOverlay::recent_days() const { return base_->recent_days(); }

// ---- CatalogView -----------------------------------------------------------

bool CatalogView::Insert(const v1::Event& e, CatalogUpdate* kept) {
  if (e.type() != v1::Event::ITEM_UPDATE) return false;
  const int64_t micros =
      e.timestamp().seconds() * 1000000 + e.timestamp().nanos() / 1000;
  if (!keys_.try_emplace(e.idempotency_key(), micros).second) return false;
  CatalogUpdate u{micros, e.idempotency_key(), e.item_update()};
  auto less = [](const CatalogUpdate& a, const CatalogUpdate& b) {
    return a.micros != b.micros ? a.micros < b.micros : a.key < b.key;
  };
  // Appends are nearly always the newest: insert from the back.
  auto pos = std::upper_bound(updates_.begin(), updates_.end(), u, less);
  if (kept != nullptr) *kept = u;
  updates_.insert(pos, std::move(u));
  return true;
}

void CatalogView::Add(const std::vector<const v1::Event*>& events) {
  absl::MutexLock lock(&updates_mu_);
  std::vector<CatalogUpdate> batch;
  for (const v1::Event* e : events) {
    CatalogUpdate kept;
    if (Insert(*e, &kept)) batch.push_back(std::move(kept));
  }
  if (batch.empty()) return;
  std::sort(batch.begin(), batch.end(),
            [](const CatalogUpdate& a, const CatalogUpdate& b) {
              return a.micros != b.micros ? a.micros < b.micros : a.key < b.key;
            });
  std::shared_ptr<const Snapshot> snapshot;
  std::shared_ptr<const CatalogOverlay> prev;
  bool fresh = false;
  {
    absl::MutexLock built(&built_mu_);
    fresh = built_generation_ == current_generation_;
    snapshot = built_for_.lock();
    prev = built_;
    current_generation_ = ++generation_;
  }
  if (snapshot == nullptr) return;  // the next request builds it
  // Off the request path (the log's writer thread, before the append is
  // acknowledged): the next request finds the overlay built. Usually only
  // this batch is applied to the last overlay (copy-on-write).
  std::shared_ptr<const CatalogOverlay> overlay;
  if (fresh && prev != nullptr) overlay = CatalogOverlay::Extend(*prev, batch);
  if (overlay == nullptr) overlay = CatalogOverlay::Build(*snapshot, updates_);
  absl::MutexLock built(&built_mu_);
  built_ = std::move(overlay);
  built_for_ = snapshot;
  built_generation_ = generation_;
}

absl::Status CatalogView::Read(const EventLog& log) {
  absl::MutexLock lock(&updates_mu_);
  absl::Status s =
      log.Replay([this](const v1::Event& e) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        Insert(e);
        return true;
      });
  ++generation_;
  absl::MutexLock built(&built_mu_);
  current_generation_ = generation_;
  return s;
}

bool CatalogView::Cached(const std::shared_ptr<const Snapshot>& snapshot,
                         std::shared_ptr<const CatalogOverlay>* out) const {
  absl::MutexLock built(&built_mu_);
  if (built_generation_ != current_generation_ ||
      built_for_.lock() != snapshot) {
    return false;
  }
  *out = built_;
  return true;
}

std::shared_ptr<const CatalogOverlay> CatalogView::For(
    const std::shared_ptr<const Snapshot>& snapshot) const {
  std::shared_ptr<const CatalogOverlay> overlay;
  if (Cached(snapshot, &overlay)) return overlay;
  // A snapshot new to the view (or the first request): build it once;
  // requests that come meanwhile wait here, not on the cache.
  absl::MutexLock lock(&updates_mu_);
  if (Cached(snapshot, &overlay)) return overlay;
  overlay =
      updates_.empty() ? nullptr : CatalogOverlay::Build(*snapshot, updates_);
  absl::MutexLock built(&built_mu_);
  built_ = overlay;
  built_for_ = snapshot;
  built_generation_ = generation_;
  return overlay;
}

int64_t CatalogView::updates() const {
  absl::MutexLock lock(&updates_mu_);
  return static_cast<int64_t>(updates_.size());
}

}  // namespace boomerang
