// The stats schema: every counter and gauge of luasched-fast, declared once (kernel ones in bpf/intf.h).
#include "stats/stats_schema.h"

namespace lsf {

const StatField kStatFields[kNrStats] = {
#define LSF_X_(id, key, group, label, desc) {key, StatGroup::group, label, StatKind::kCounter, StatUnit::kCount, desc},
    LSF_KERNEL_STATS(LSF_X_)
#undef LSF_X_
#define LSF_X_(id, key, group, label, kind, unit, desc) \
  {key, StatGroup::group, label, StatKind::kind, StatUnit::unit, desc},
    LSF_USER_STATS(LSF_X_)
#undef LSF_X_
};

Result<Stat> FindStat(std::string_view key) {
  for (size_t i = 0; i < kNrStats; ++i)
    if (kStatFields[i].key == key) return static_cast<Stat>(i);
  return MakeError("unknown stat '" + std::string(key) + "' (luasched-fast stats --list names them all)");
}

std::string_view GroupWord(StatGroup g) {
  static constexpr std::string_view kWords[] = {
#define LSF_X_(group, word) word,
      LSF_STAT_GROUPS(LSF_X_)
#undef LSF_X_
  };
  return kWords[static_cast<size_t>(g)];
}

namespace {

// The JSON key without its unit suffix (the schema test checks every key ends with its unit's).
std::string_view Base(const StatField& f) {
  std::string_view k = f.key;
  auto strip = [&](std::string_view suffix) {
    if (k.size() > suffix.size() && k.substr(k.size() - suffix.size()) == suffix) k.remove_suffix(suffix.size());
  };
  switch (f.unit) {
    case StatUnit::kSeconds: strip("_s"); break;
    case StatUnit::kMicros: strip("_us"); break;
    case StatUnit::kPercent: strip("_pct"); break;
    case StatUnit::kCount: break;
  }
  return k;
}

}  // namespace

std::string MetricName(const StatField& f) {
  std::string name = "luasched_fast_" + std::string(Base(f));
  switch (f.unit) {
    case StatUnit::kSeconds:
    case StatUnit::kMicros: name += "_seconds"; break;
    case StatUnit::kPercent: name += "_ratio"; break;
    case StatUnit::kCount: break;
  }
  if (f.kind == StatKind::kCounter) name += "_total";
  return name;
}

double MetricScale(const StatField& f) {
  switch (f.unit) {
    case StatUnit::kMicros: return 1e-6;
    case StatUnit::kPercent: return 0.01;
    default: return 1.0;
  }
}

}  // namespace lsf
