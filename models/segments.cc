#include "models/segments.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace boomerang {

ClassCutoffs ComputeAbcCutoffs(absl::Span<const double> revenues,
                               const AbcShares& shares) {
  std::vector<double> sorted;
  sorted.reserve(revenues.size());
  double total = 0;
  for (double r : revenues) {
    if (r > 0) {
      sorted.push_back(r);
      total += r;
    }
  }
  ClassCutoffs out;
  if (!(total > 0)) return out;
  std::sort(sorted.begin(), sorted.end(), std::greater<double>());
  const double a_end = shares.a * total;
  const double b_end = (shares.a + shares.b) * total;
  double before = 0;  // revenue of the entities ahead of this one
  out.abc_a_min = sorted.front();
  out.abc_b_min = sorted.front();
  for (double r : sorted) {
    if (before < a_end) {
      out.abc_a_min = r;
      out.abc_b_min = r;
    } else if (before < b_end) {
      out.abc_b_min = r;
    } else {
      break;
    }
    before += r;
  }
  return out;
}

absl::string_view AbcClass(const ClassCutoffs& cutoffs, double revenue) {
  if (!cutoffs.has_abc()) return "";
  if (revenue >= cutoffs.abc_a_min) return "A";
  if (revenue >= cutoffs.abc_b_min) return "B";
  return "C";
}

absl::string_view XyzClass(const XyzThresholds& thresholds, double cv,
                           int64_t months) {
  if (thresholds.x_max <= 0 || thresholds.y_max <= 0) return "";
  if (cv < 0 || months < thresholds.min_months) return "Z";
  if (cv <= thresholds.x_max) return "X";
  if (cv <= thresholds.y_max) return "Y";
  return "Z";
}

// Howard Hinnant's days-to-civil algorithm
// (https://howardhinnant.github.io/date_algorithms.html#civil_from_days):
// the stream scans call this for every order of every customer, and
// absl's time zone conversion is several times slower.
int64_t MonthIndex(int64_t unix_seconds) {
  int64_t z = unix_seconds / 86400;
  if (unix_seconds % 86400 < 0) --z;
  z += 719468;  // days from 0000-03-01 to 1970-01-01
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;  // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;  // March = 0
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + (month - 1);
}

double CoefficientOfVariation(absl::Span<const double> monthly) {
  if (monthly.empty()) return -1;
  double mean = 0;
  for (double v : monthly) mean += v;
  mean /= monthly.size();
  if (!(mean > 0)) return -1;
  double var = 0;
  for (double v : monthly) var += (v - mean) * (v - mean);
  var /= monthly.size();
  return std::sqrt(var) / mean;
}

std::vector<double> MonthlySeries(absl::Span<const int64_t> times,
                                  absl::Span<const double> values,
                                  int64_t as_of) {
  const size_t n = std::min(times.size(), values.size());
  int64_t first = 0, last = 0;
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    if (times[i] > as_of) continue;
    const int64_t m = MonthIndex(times[i]);
    first = any ? std::min(first, m) : m;
    last = any ? std::max(last, m) : m;
    any = true;
  }
  if (!any) return {};
  // The month of the last moment as_of covers: as_of is often midnight
  // after the data's last day, and when that is the 1st, the new month has
  // not started for the data (it would add a month of 0 to everyone).
  last = std::max(last, MonthIndex(as_of - 1));
  std::vector<double> series(static_cast<size_t>(last - first + 1), 0.0);
  for (size_t i = 0; i < n; ++i) {
    if (times[i] > as_of) continue;
    series[MonthIndex(times[i]) - first] += values[i];
  }
  return series;
}

Classes ClassifyCustomer(double revenue, absl::Span<const int64_t> times,
                         absl::Span<const double> values, int64_t as_of,
                         const ClassCutoffs& cutoffs) {
  Classes c;
  c.abc = AbcClass(cutoffs, revenue);
  if (cutoffs.has_xyz()) {
    const std::vector<double> series = MonthlySeries(times, values, as_of);
    if (!series.empty()) {
      c.xyz = XyzClass(cutoffs.xyz, CoefficientOfVariation(series),
                       static_cast<int64_t>(series.size()));
    }
  }
  return c;
}

void AddItemMonth(int64_t month, double units, double revenue,
                  std::vector<ItemMonth>* months) {
  // Exports come mostly in time order: the month is nearly always the last.
  for (auto it = months->rbegin(); it != months->rend(); ++it) {
    if (it->month == month) {
      it->units += units;
      it->revenue += revenue;
      return;
    }
  }
  months->push_back({month, units, revenue});
}

std::vector<Classes> ClassifyItems(
    absl::Span<const std::vector<ItemMonth>> items, int64_t as_of_month,
    const AbcShares& shares, const XyzThresholds& xyz, ClassCutoffs* cutoffs) {
  std::vector<double> revenues(items.size(), 0.0);
  std::vector<int64_t> first(items.size(), as_of_month + 1);
  for (size_t i = 0; i < items.size(); ++i) {
    for (const ItemMonth& m : items[i]) {
      if (m.month > as_of_month) continue;
      revenues[i] += m.revenue;
      first[i] = std::min(first[i], m.month);
    }
  }
  ClassCutoffs cut = ComputeAbcCutoffs(revenues, shares);
  cut.xyz = xyz;
  std::vector<Classes> out(items.size());
  std::vector<double> series;
  for (size_t i = 0; i < items.size(); ++i) {
    out[i].abc = AbcClass(cut, revenues[i]);
    if (first[i] > as_of_month) {  // never sold: no demand, so no regular one
      out[i].xyz = XyzClass(xyz, -1, 0);
      continue;
    }
    series.assign(static_cast<size_t>(as_of_month - first[i] + 1), 0.0);
    for (const ItemMonth& m : items[i]) {
      if (m.month <= as_of_month) series[m.month - first[i]] += m.units;
    }
    out[i].xyz = XyzClass(xyz, CoefficientOfVariation(series),
                          static_cast<int64_t>(series.size()));
  }
  if (cutoffs != nullptr) *cutoffs = cut;
  return out;
}

}  // namespace boomerang
