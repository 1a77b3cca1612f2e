// Policy file safety checks and change watching (the dispatcher runs the policy as root).
#pragma once

#include <functional>
#include <string>

#include "common/result.h"

namespace lsf {

// Refuses a policy that others could change under a root dispatcher. The path is opened one
// component at a time from "/" without following symbolic links (a symlink anywhere is refused,
// as is ".."); on each open descriptor: the file and every directory above it must be owned by
// root or by the invoking user (`uid`) and not writable by group or others (a directory with the
// sticky bit, like /tmp, may be). Also refuses a missing or non-regular file. Errors say what to
// fix (chmod/chown/realpath).
Status CheckPolicyFile(const std::string& path, unsigned uid);

// The same checks, then the policy's text, read from the very descriptor that was checked: a file
// swapped in after the checks is not what gets loaded. Use it for every load and reload.
// Test hook: `between` runs after the checks, before the read.
Result<std::string> ReadTrustedPolicy(const std::string& path, unsigned uid,
                                      const std::function<void()>& between = {});

// Watches a policy file for replacement or rewrite (editors save by rename or in place) with
// inotify on its directory. Owned by one thread.
class PolicyWatcher {
 public:
  PolicyWatcher() = default;
  ~PolicyWatcher();
  PolicyWatcher(const PolicyWatcher&) = delete;
  PolicyWatcher& operator=(const PolicyWatcher&) = delete;

  Status Watch(const std::string& path);
  // Non-blocking: true if the file changed since the last call.
  bool Changed();

 private:
  int fd_ = -1;
  std::string name_;  // file name within the watched directory
};

}  // namespace lsf
