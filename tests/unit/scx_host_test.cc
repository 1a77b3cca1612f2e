// Unit tests for the host-side sched_ext helpers (exit-info formatting and classification).
#include "port/scx_host.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "bpf/intf.h"

namespace lsf::scx {
namespace {

TEST(ScxHost, ExitKindsClassifyErrors) {
  EXPECT_FALSE(ExitIsError(64));    // unregistered from user space
  EXPECT_FALSE(ExitIsError(67));    // sysrq-S
  EXPECT_TRUE(ExitIsError(1024));
  EXPECT_TRUE(ExitIsError(1026));   // runnable task stall
  EXPECT_STREQ(ExitKindName(1026), "runnable task stall");
  EXPECT_STREQ(ExitKindName(64), "unregistered from user space");
}

// The kernel unregisters a scheduler that cannot handle CPU hotplug with kind 66 and a restart
// request in the exit code; exiting 0 then left the machine silently on the default scheduler.
TEST(ScxHost, KernelUnregisterIsNotACleanExitAndRestartIsRecognised) {
  EXPECT_TRUE(ExitIsError(66));  // unregistered by the kernel
  lsf_exit_info hotplug{};
  hotplug.kind = 66;
  hotplug.exit_code = static_cast<__s64>((1ull << 48) | (1ull << 32));  // ACT_RESTART | RSN_HOTPLUG
  EXPECT_TRUE(ExitWantsRestart(hotplug));
  lsf_exit_info user{};
  user.kind = 64;
  EXPECT_FALSE(ExitWantsRestart(user));
  lsf_exit_info stall{};
  stall.kind = 1026;
  EXPECT_FALSE(ExitWantsRestart(stall));
}

// On a load failure the user is told which kernel feature is missing and which version has it.
TEST(ScxHost, MissingKernelFeaturesNamesWhatThisKernelLacks) {
  std::string missing = MissingKernelFeatures(/*arena=*/false);
  if (KernelHasSchedExt()) {
    EXPECT_EQ(missing, "");  // a sched_ext kernel (6.12+) has everything the ringbuf transport needs
  } else if (missing.find("BTF") == std::string::npos) {
    EXPECT_NE(missing.find("this kernel lacks sched_ext (sched_ext_ops, Linux 6.12"), std::string::npos) << missing;
    EXPECT_NE(missing.find("scx_bpf_dsq_insert"), std::string::npos) << missing;
  }
}

// Cloud VMs often have hundreds of possible CPUs (hotplug slots) and a few online.
TEST(ScxHost, PossibleCpusUpTo1024AreSupported) {
  EXPECT_TRUE(CheckPossibleCpus(4).ok());
  EXPECT_TRUE(CheckPossibleCpus(300).ok()) << "more than 256: hotplug slots of a cloud VM";
  EXPECT_TRUE(CheckPossibleCpus(1024).ok());
  auto too_many = CheckPossibleCpus(1025);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().find("1025 possible CPUs; luasched-fast supports 1024"), std::string::npos)
      << too_many.error();
  EXPECT_FALSE(CheckPossibleCpus(-2).ok());
}

TEST(ScxHost, FormatExitShowsReasonAndMessage) {
  lsf_exit_info ei{};
  ei.kind = 1026;
  std::strcpy(ei.reason, "runnable task stall");
  std::strcpy(ei.msg, "watchdog failed to check in for 5.004s");
  EXPECT_EQ(FormatExit(ei),
            "kind=1026 (runnable task stall) code=0 reason='runnable task stall' "
            "msg='watchdog failed to check in for 5.004s'");
}

TEST(ScxHost, FormatExitToleratesUnterminatedFields) {
  lsf_exit_info ei{};
  ei.kind = 64;
  std::memset(ei.reason, 'x', sizeof ei.reason);  // no NUL: must not read past the field
  std::string s = FormatExit(ei);
  EXPECT_NE(s.find(std::string(sizeof ei.reason, 'x')), std::string::npos);
  EXPECT_EQ(s.find("msg="), std::string::npos);
}

}  // namespace
}  // namespace lsf::scx
