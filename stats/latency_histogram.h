// LatencyHistogram: fixed log2 buckets of nanoseconds, allocation-free, single writer.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace lsf {

// Bucket i counts values in [2^i, 2^(i+1)) ns (bucket 0 also holds 0). Percentiles are reported as
// the upper bound of their bucket, so they are accurate to a factor of two.
class LatencyHistogram {
 public:
  static constexpr int kBuckets = 40;  // up to ~550 s

  void Add(uint64_t ns) {
    int b = ns == 0 ? 0 : 63 - std::countl_zero(ns);
    if (b >= kBuckets) b = kBuckets - 1;
    ++buckets_[b];
    ++count_;
    if (ns > max_) max_ = ns;
  }

  // A histogram from bucket counts kept elsewhere (e.g. by BPF, same bucket layout). The maximum is
  // taken as the upper bound of the highest non-empty bucket.
  static LatencyHistogram FromBuckets(const uint64_t* buckets, int n) {
    LatencyHistogram h;
    for (int b = 0; b < n && b < kBuckets; ++b) {
      h.buckets_[b] = buckets[b];
      h.count_ += buckets[b];
      if (buckets[b]) h.max_ = uint64_t{2} << b;
    }
    return h;
  }

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }

  // Upper bound (ns) of the bucket holding the q-quantile, capped at the maximum seen; 0 if empty.
  // REQUIRES: 0 < q <= 1.
  uint64_t Quantile(double q) const {
    if (count_ == 0) return 0;
    uint64_t want = static_cast<uint64_t>(q * static_cast<double>(count_) + 0.5);
    if (want == 0) want = 1;
    uint64_t seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
      seen += buckets_[b];
      if (seen >= want) return std::min(uint64_t{2} << b, max_);
    }
    return max_;
  }

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace lsf
