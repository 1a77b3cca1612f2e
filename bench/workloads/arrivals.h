// Arrival schedules of the open-loop client (lsf-httpload): fixed-rate, or Poisson from a seed.
//
// A fixed rate whose period is a multiple of the kernel's tick (50/s = 20 ms = 5 ticks at HZ=250) lands
// every request at one phase of the tick, timers and softirqs. Under a deterministic guest clock (QEMU
// -icount) that phase is set by where the run happened to start, so each run measures one point of a
// latency-versus-phase curve and runs differ by up to a tick (p50 from 0.25 to 3.9 ms in one boot).
// Poisson arrivals (independent exponential gaps) see every phase in proportion (PASTA: Poisson
// arrivals see time averages), so each run measures the whole curve. The trade-off: bursts, so a few
// requests queue behind each other; the offered load is the same on average.
// The count is fixed (rate x duration requests, the same sample size as the fixed schedule), so the last
// request is due near, not exactly at, the duration. The generator is splitmix64 with the inverse CDF:
// the same seed gives the same schedule on every platform (std::exponential_distribution's algorithm is
// the library's choice), so two variants of one rep can be offered the same arrivals.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace lsf_bench {

enum class Arrivals { kFixed, kPoisson };

inline std::optional<Arrivals> ParseArrivals(const char* s) {
  if (s && !std::strcmp(s, "fixed")) return Arrivals::kFixed;
  if (s && !std::strcmp(s, "poisson")) return Arrivals::kPoisson;
  return std::nullopt;
}

// splitmix64: a small, fast generator whose sequence is fixed by its seed.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// Due times (ns after the start) of `count` requests at `rate` per second: request k at k/rate (fixed), or
// after independent exponential gaps of mean 1/rate, the first one too (poisson). Non-decreasing.
// REQUIRES: rate > 0.
inline std::vector<uint64_t> ArrivalSchedule(Arrivals kind, double rate, long count, uint64_t seed) {
  std::vector<uint64_t> due;
  due.reserve(count > 0 ? static_cast<size_t>(count) : 0);
  const double gap_ns = 1e9 / rate;
  SplitMix64 rng(seed);
  double t = 0;
  for (long k = 0; k < count; ++k) {
    if (kind == Arrivals::kFixed) {
      t = static_cast<double>(k) * gap_ns;
    } else {
      t += -std::log1p(-rng.Uniform()) * gap_ns;  // -ln(1 - U): exponential, U = 0 gives 0, never inf
    }
    due.push_back(static_cast<uint64_t>(t));
  }
  return due;
}

}  // namespace lsf_bench
