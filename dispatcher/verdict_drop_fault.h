// VerdictDropFault: tests only: drops the first N verdicts (of one comm, if set) as if the queue were full.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "bpf/intf.h"

namespace lsf {

// Set from LUASCHED_FAULTS (dispatcher/service.h) through Dispatcher::Options; inert by default.
// Not thread-safe: used by the dispatcher thread alone (Dispatcher::SendDecision).
class VerdictDropFault {
 public:
  VerdictDropFault(uint64_t count, std::string comm) : left_(count), comm_(std::move(comm)) {}

  // True if the verdict answering `m` is to be dropped; counts it.
  bool Drop(const lsf_miss& m) {
    if (left_ == 0) return false;
    if (!comm_.empty() && comm_.compare(0, LSF_COMM_LEN, m.comm, strnlen(m.comm, LSF_COMM_LEN)) != 0) return false;
    --left_;
    return true;
  }

 private:
  uint64_t left_;     // verdicts still to drop
  std::string comm_;  // only verdicts of tasks with this comm ("": any)
};

}  // namespace lsf
