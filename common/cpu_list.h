// Parses the kernel's CPU list format ("0-3,8,10-11") into a CPU bitmap of any size.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>

namespace lsf {

// Parses a cpu list such as "0-3,8,10-11" into a CPU bitmap; *count gets the number of CPUs set.
// False on malformed input. CPUs past the bitmap (64 x kWords) are ignored. Word is any 64-bit
// unsigned type (the BPF contract's __u64 is unsigned long long, uint64_t may not be).
template <typename Word, size_t kWords>
inline bool ParseCpuList(const std::string& list, Word (&mask)[kWords], uint32_t* count) {
  static_assert(sizeof(Word) == 8, "a CPU bitmap of 64-bit words");
  constexpr int kMaxCpus = static_cast<int>(kWords * 64);
  std::memset(mask, 0, sizeof mask);
  *count = 0;
  std::stringstream ss(list);
  std::string part;
  while (std::getline(ss, part, ',')) {
    while (!part.empty() && (part.back() == '\n' || part.back() == ' ')) part.pop_back();
    if (part.empty()) continue;
    int lo = 0, hi = 0;
    size_t dash = part.find('-');
    const char* b = part.data();
    const char* e = b + part.size();
    if (dash == std::string::npos) {
      auto r = std::from_chars(b, e, lo);
      if (r.ec != std::errc() || r.ptr != e) return false;
      hi = lo;
    } else {
      auto r1 = std::from_chars(b, b + dash, lo);
      auto r2 = std::from_chars(b + dash + 1, e, hi);
      if (r1.ec != std::errc() || r1.ptr != b + dash || r2.ec != std::errc() || r2.ptr != e || hi < lo) return false;
    }
    if (lo < 0) return false;
    for (int c = lo; c <= hi && c < kMaxCpus; ++c) {
      if (!(mask[c / 64] & (Word{1} << (c % 64)))) ++*count;
      mask[c / 64] |= Word{1} << (c % 64);
    }
  }
  return true;
}

}  // namespace lsf
