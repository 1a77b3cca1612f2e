// Policy file safety checks and change watching (the dispatcher runs the policy as root).
#pragma once

#include <string>

#include "common/result.h"

namespace lsf {

// Refuses a policy that others could change under a root dispatcher: the file and its directory
// must not be writable by group or others, and must be owned by root or by the invoking user
// (`uid`). Also refuses a missing or non-regular file. Errors say what to fix (chmod/chown).
Status CheckPolicyFile(const std::string& path, unsigned uid);

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
