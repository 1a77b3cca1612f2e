// Output of the guest workloads: "LAT name q:us ... max:us samples:N" and "VAL name value" lines for bench/vm.
#pragma once

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace lsf_bench {

// The quantiles every latency line carries (the same list as bench/vm/guest.sh's cyclictest lines).
inline constexpr double kQuantiles[] = {1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99, 99.5, 99.9, 99.99};

inline uint64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Prints one LAT line from samples in microseconds (nearest-rank quantiles, integer µs).
inline void PrintLatency(const std::string& name, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  std::string line = "LAT " + name;
  char buf[64];
  for (double q : kQuantiles) {
    if (us.empty()) break;
    double rank = std::ceil(q / 100.0 * static_cast<double>(us.size()));
    size_t i = rank < 1 ? 0 : std::min(us.size() - 1, static_cast<size_t>(rank) - 1);
    std::snprintf(buf, sizeof buf, " %g:%.0f", q, us[i]);
    line += buf;
  }
  std::snprintf(buf, sizeof buf, " max:%.0f samples:%zu", us.empty() ? 0.0 : us.back(), us.size());
  std::printf("%s%s\n", line.c_str(), buf);
}

inline void PrintValue(const std::string& name, double v) { std::printf("VAL %s %.6g\n", name.c_str(), v); }

// Parses a non-negative number for option `what`; exits with status 2 and a message when it is not one.
inline double NumberArg(const char* what, const char* s) {
  char* end = nullptr;
  double v = s ? std::strtod(s, &end) : -1;
  if (!s || end == s || *end || v < 0) {
    std::fprintf(stderr, "%s takes a non-negative number (got '%s')\n", what, s ? s : "");
    std::exit(2);
  }
  return v;
}

}  // namespace lsf_bench
