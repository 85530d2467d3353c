#include "models/experiments/config.h"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace boomerang::experiments {
namespace {

// "experiments.toml:12: experiments[0].arms[1].share must be > 0".
class Errors {
 public:
  explicit Errors(absl::string_view file) : file_(file) {}
  absl::Status At(const toml::node* node, absl::string_view field,
                  absl::string_view why) const {
    const int line = node != nullptr ? node->source().begin.line : 0;
    return absl::InvalidArgumentError(absl::StrCat(
        file_, line > 0 ? absl::StrCat(":", line) : "", ": ", field, " ", why));
  }

 private:
  std::string file_;
};

absl::StatusOr<std::string> NameField(const toml::table& t,
                                      absl::string_view key,
                                      absl::string_view path, bool required,
                                      const Errors& errors) {
  const toml::node* n = t.get(std::string_view(key.data(), key.size()));
  if (n == nullptr) {
    if (!required) return std::string();
    return errors.At(&t, absl::StrCat(path, ".", key), "is missing");
  }
  std::optional<std::string> v = n->value<std::string>();
  if (!v.has_value() || !ValidName(*v)) {
    return errors.At(n, absl::StrCat(path, ".", key),
                     "must be a string of 1-64 letters, digits, '_' or '-'");
  }
  return *v;
}

absl::Status ParseOptions(const toml::table& options, absl::string_view path,
                          const Errors& errors, RankingOptions* ranking) {
  for (const auto& [key, node] : options) {
    const std::string name(key.str());
    const std::string field = absl::StrCat(path, ".options.\"", name, "\"");
    std::optional<double> value = node.value<double>();
    if (!value.has_value()) {
      if (std::optional<bool> b = node.value<bool>(); b.has_value()) {
        value = *b ? 1 : 0;
      }
    }
    if (!value.has_value()) return errors.At(&node, field, "must be a number");
    absl::Status s = SetRankingOption(name, *value, ranking);
    if (!s.ok()) return errors.At(&node, field, s.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<ArmConfig> ParseArm(const toml::table& t, absl::string_view path,
                                   const Errors& errors,
                                   const RankingOptions& base) {
  ArmConfig arm;
  arm.ranking = base;
  auto name = NameField(t, "name", path, true, errors);
  if (!name.ok()) return name.status();
  arm.name = *name;
  const toml::node* share = t.get("share");
  std::optional<double> s =
      share != nullptr ? share->value<double>() : std::optional<double>();
  if (!s.has_value() || !(*s >= 0) || *s > 1e9) {
    return errors.At(share != nullptr ? share : &t,
                     absl::StrCat(path, ".share"),
                     "must be a number >= 0 (a traffic share on any scale)");
  }
  arm.share = *s;
  if (const toml::node* kind = t.get("kind")) {
    std::optional<std::string> k = kind->value<std::string>();
    if (k == "ranker") {
      arm.kind = ArmKind::kRanker;
    } else if (k == "best_sellers" || k == "baseline") {
      arm.kind = ArmKind::kBestSellers;
    } else if (k == "holdout") {
      arm.kind = ArmKind::kHoldout;
    } else {
      return errors.At(kind, absl::StrCat(path, ".kind"),
                       "must be \"ranker\", \"best_sellers\" or \"holdout\"");
    }
  }
  if (const toml::node* version = t.get("picks_ranker")) {
    std::optional<std::string> v = version->value<std::string>();
    if (v != "learned" && v != "weights") {
      return errors.At(version, absl::StrCat(path, ".picks_ranker"),
                       "must be \"learned\" or \"weights\"");
    }
    arm.ranking.learned_picks = *v == "learned";
  }
  if (const toml::node* options = t.get("options")) {
    if (!options->is_table()) {
      return errors.At(options, absl::StrCat(path, ".options"),
                       "must be a table of ranking options");
    }
    absl::Status st =
        ParseOptions(*options->as_table(), path, errors, &arm.ranking);
    if (!st.ok()) return st;
  }
  for (const auto& [key, node] : t) {
    static const absl::flat_hash_set<std::string> kKnown = {
        "name", "share", "kind", "picks_ranker", "options"};
    if (!kKnown.contains(std::string(key.str()))) {
      return errors.At(&node, absl::StrCat(path, ".", std::string(key.str())),
                       "is not a setting of an arm (name, share, kind, "
                       "picks_ranker, options)");
    }
  }
  return arm;
}

absl::StatusOr<ExperimentConfig> ParseExperiment(const toml::table& t,
                                                 absl::string_view path,
                                                 const Errors& errors,
                                                 const RankingOptions& base) {
  ExperimentConfig e;
  auto name = NameField(t, "name", path, true, errors);
  if (!name.ok()) return name.status();
  e.name = *name;
  auto placement = NameField(t, "placement", path, true, errors);
  if (!placement.ok()) return placement.status();
  e.placement = *placement;
  e.salt = e.name;
  if (const toml::node* salt = t.get("salt")) {
    std::optional<std::string> s = salt->value<std::string>();
    if (!s.has_value() || s->empty() || s->size() > 256) {
      return errors.At(salt, absl::StrCat(path, ".salt"),
                       "must be a string of 1-256 characters");
    }
    e.salt = *s;
  }
  const toml::array* arms = t.get_as<toml::array>("arms");
  if (arms == nullptr || arms->size() < 2) {
    return errors.At(&t, absl::StrCat(path, ".arms"),
                     "needs at least two [[experiments.arms]]");
  }
  absl::flat_hash_set<std::string> names;
  double total = 0;
  for (size_t i = 0; i < arms->size(); ++i) {
    const std::string arm_path = absl::StrCat(path, ".arms[", i, "]");
    const toml::table* a = (*arms)[i].as_table();
    if (a == nullptr) return errors.At(&(*arms)[i], arm_path, "is not a table");
    auto arm = ParseArm(*a, arm_path, errors, base);
    if (!arm.ok()) return arm.status();
    if (!names.insert(arm->name).second) {
      return errors.At(a, absl::StrCat(arm_path, ".name"),
                       absl::StrCat("\"", arm->name, "\" is used twice"));
    }
    total += arm->share;
    e.arms.push_back(std::move(*arm));
  }
  if (!(total > 0)) {
    return errors.At(arms, absl::StrCat(path, ".arms"),
                     "have no positive share");
  }
  if (const toml::node* control = t.get("control")) {
    std::optional<std::string> c = control->value<std::string>();
    e.control = -1;
    for (size_t i = 0; i < e.arms.size(); ++i) {
      if (c.has_value() && e.arms[i].name == *c) e.control = i;
    }
    if (e.control < 0) {
      return errors.At(control, absl::StrCat(path, ".control"),
                       "must name one of the arms");
    }
  }
  return e;
}

}  // namespace

absl::string_view ArmKindName(ArmKind kind) {
  switch (kind) {
    case ArmKind::kRanker:
      return "ranker";
    case ArmKind::kBestSellers:
      return "best_sellers";
    case ArmKind::kHoldout:
      return "holdout";
  }
  return "ranker";
}

std::vector<double> ExperimentConfig::shares() const {
  std::vector<double> s;
  for (const ArmConfig& a : arms) s.push_back(a.share);
  return s;
}

const ExperimentConfig* ExperimentsConfig::ForPlacement(
    absl::string_view placement) const {
  for (const ExperimentConfig& e : experiments) {
    if (e.placement == placement) return &e;
  }
  return nullptr;
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<ExperimentsConfig> ParseExperiments(absl::string_view toml_text,
                                                   absl::string_view file,
                                                   const RankingOptions& base) {
  const Errors errors(file);
  toml::table root;
  try {
    root = toml::parse(std::string_view(toml_text.data(), toml_text.size()),
                       std::string_view(file.data(), file.size()));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ":", e.source().begin.line, ": ", std::string(e.description())));
  }
  ExperimentsConfig config;
  const toml::node* list = root.get("experiments");
  if (list == nullptr) return config;
  const toml::array* experiments = list->as_array();
  if (experiments == nullptr) {
    return errors.At(list, "experiments",
                     "must be an array of tables ([[experiments]])");
  }
  absl::flat_hash_set<std::string> names, placements;
  for (size_t i = 0; i < experiments->size(); ++i) {
    const std::string path = absl::StrCat("experiments[", i, "]");
    const toml::table* t = (*experiments)[i].as_table();
    if (t == nullptr) return errors.At(&(*experiments)[i], path, "not a table");
    auto e = ParseExperiment(*t, path, errors, base);
    if (!e.ok()) return e.status();
    if (!names.insert(e->name).second) {
      return errors.At(t, absl::StrCat(path, ".name"),
                       absl::StrCat("\"", e->name, "\" is used twice"));
    }
    if (!placements.insert(e->placement).second) {
      return errors.At(t, absl::StrCat(path, ".placement"),
                       absl::StrCat("\"", e->placement,
                                    "\" has another experiment already (one "
                                    "per placement)"));
    }
    config.experiments.push_back(std::move(*e));
  }
  return config;
}

absl::StatusOr<ExperimentsConfig> ReadExperimentsFile(
    const std::string& path, const RankingOptions& base) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseExperiments(text.str(), path, base);
}

}  // namespace boomerang::experiments
