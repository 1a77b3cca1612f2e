// Unit tests for Topology builders (shape, sysfs fixture, hwloc) and CPU placement.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "topology/placement.h"
#include "topology/topology.h"

namespace lsf {
namespace {

namespace fs = std::filesystem;

CpuSet Set(std::initializer_list<int> cpus) {
  CpuSet s;
  for (int c : cpus) s.set(static_cast<size_t>(c));
  return s;
}

CpuSet All(const Topology& t) {
  CpuSet s;
  for (const auto& c : t.cpus) s.set(static_cast<size_t>(c.id));
  return s;
}

TEST(Topology, ShapeTwoPackagesTwoCoresTwoThreads) {
  Topology t = TopologyFromShape(2, 2, 2);
  ASSERT_EQ(t.cpus.size(), 8u);
  EXPECT_EQ(t.nr_packages(), 2);
  EXPECT_EQ(t.nr_cores(), 4);
  EXPECT_EQ(t.nr_llcs(), 2);
  EXPECT_EQ(t.SmtSiblings(0), (std::vector<int>{0, 4}));
  EXPECT_EQ(t.CpusInLlc(t.Find(1)->llc), (std::vector<int>{0, 1, 4, 5}));
  EXPECT_EQ(t.Describe(), "2 packages, 4 cores, 8 CPUs, 2 LLCs, 2 NUMA nodes");
}

// Writes a sysfs-like fixture: 4 CPUs, 2 cores x 2 threads, one L3 over all, L2 per core.
std::string MakeSysfsFixture() {
  fs::path root = fs::temp_directory_path() / ("lsf_topo_" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto put = [](const fs::path& p, const std::string& v) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << v << "\n";
  };
  for (int cpu = 0; cpu < 4; ++cpu) {
    fs::path b = root / ("cpu" + std::to_string(cpu));
    int core = cpu % 2;
    put(b / "topology/physical_package_id", "0");
    put(b / "topology/core_id", std::to_string(core));
    put(b / "cache/index2/level", "2");
    put(b / "cache/index2/shared_cpu_list", core == 0 ? "0,2" : "1,3");
    put(b / "cache/index3/level", "3");
    put(b / "cache/index3/shared_cpu_list", "0-3");
    fs::create_directories(b / "node0");
  }
  fs::create_directories(root / "cpufreq");  // non-cpuN entries are ignored
  return root.string();
}

TEST(Topology, SysfsFixture) {
  std::string root = MakeSysfsFixture();
  auto t = TopologyFromSysfs(root);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->cpus.size(), 4u);
  EXPECT_EQ(t->nr_cores(), 2);
  EXPECT_EQ(t->nr_llcs(), 1);
  EXPECT_EQ(t->SmtSiblings(1), (std::vector<int>{1, 3}));
  fs::remove_all(root);
  EXPECT_FALSE(TopologyFromSysfs(root).ok());
}

TEST(Topology, HwlocSeesThisMachine) {
  auto t = TopologyFromHwloc();
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_GE(t->cpus.size(), 1u);
  EXPECT_GE(t->nr_llcs(), 1);
  for (const auto& c : t->cpus) EXPECT_EQ(t->Find(c.id), &c);
}

TEST(Placement, PrefersFullyIdleCoreInPrevLlc) {
  Topology t = TopologyFromShape(2, 2, 2);  // LLC0: 0,1,4,5  LLC1: 2,3,6,7
  EXPECT_EQ(PickCpu(t, All(t), All(t), 0), 0);  // everything idle: stay on prev
  // prev 0's sibling 4 is busy; core {1,5} is fully idle in the same LLC -> 1
  EXPECT_EQ(PickCpu(t, All(t), Set({0, 1, 5, 2, 3, 6, 7}), 0), 1);
  // no fully idle core in the LLC: an idle CPU in the LLC beats a fully idle core elsewhere
  EXPECT_EQ(PickCpu(t, All(t), Set({5, 2, 6}), 0), 5);
  // nothing idle in the LLC: fully idle core elsewhere
  EXPECT_EQ(PickCpu(t, All(t), Set({2, 6, 3}), 0), 2);
}

TEST(Placement, HonoursAllowedAndWantedLlc) {
  Topology t = TopologyFromShape(2, 2, 2);
  EXPECT_EQ(PickCpu(t, Set({3, 7}), All(t), 0), 3);     // idle but only 3,7 allowed
  EXPECT_EQ(PickCpu(t, Set({0, 1}), CpuSet(), 1), 1);   // nothing idle: prev
  EXPECT_EQ(PickCpu(t, Set({0, 1}), CpuSet(), 6), 0);   // prev not allowed: first allowed in its LLC? none -> lowest
  EXPECT_EQ(PickCpu(t, All(t), CpuSet(), 0, /*want_llc=*/1), 2);  // asked LLC 1, nothing idle
  EXPECT_EQ(PickCpu(t, All(t), Set({7}), 0, 1), 7);
  EXPECT_EQ(PickCpu(t, CpuSet(), All(t), 0), -1);
}

// Workers go to the CPUs that are online, by number, not to the first N numbers: online CPUs need
// not be contiguous (CPU 1 offline; CPUs above a hotplug gap; more than 256 possible).
TEST(Placement, WorkerCpusAreTheOnlineCpusButTheDispatchers) {
  EXPECT_EQ(WorkerCpus("0-3\n", 0), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(WorkerCpus("0,2-3,8\n", 0), (std::vector<int>{2, 3, 8}));
  EXPECT_EQ(WorkerCpus("0,2-3,8", 2), (std::vector<int>{0, 3, 8}));
  EXPECT_EQ(WorkerCpus("0-1,300-301", 0), (std::vector<int>{1, 300, 301}));
  EXPECT_TRUE(WorkerCpus("garbage", 0).empty()) << "unreadable: unpinned workers";
}

}  // namespace
}  // namespace lsf
