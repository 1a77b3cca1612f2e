// Dry run: classify tasks with the policy and print the verdicts, without BPF or root.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "bpf/intf.h"

namespace lsf {

class PolicyEngine;

// Classifies each record and writes a table (or a JSON array with `json`) to `out`, followed by a
// per-class summary line (table only). Kernel threads (LSF_MISS_KTHREAD) are skipped: the scheduler
// never asks the policy about them. Returns the number of tasks classified.
size_t DryRun(PolicyEngine& policy, const std::vector<lsf_miss>& tasks, bool json, FILE* out);

// JSON string literal for `s` (quotes included); control bytes and non-ASCII are \u-escaped.
std::string JsonString(const std::string& s);

}  // namespace lsf
