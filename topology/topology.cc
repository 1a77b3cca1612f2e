// Topology: CPUs with their core, LLC, NUMA node and package, from sysfs or a synthetic shape.
#include "topology/topology.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace lsf {
namespace {

int CountDistinct(const std::vector<Topology::Cpu>& cpus, int Topology::Cpu::*field) {
  std::set<int> s;
  for (const auto& c : cpus) s.insert(c.*field);
  return static_cast<int>(s.size());
}

bool ReadTrimmed(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in || !std::getline(in, *out)) return false;
  while (!out->empty() && (out->back() == '\n' || out->back() == ' ')) out->pop_back();
  return true;
}

// Maps arbitrary keys to dense ids in first-seen order.
class Densifier {
 public:
  int Id(const std::string& key) {
    auto [it, inserted] = ids_.emplace(key, static_cast<int>(ids_.size()));
    return it->second;
  }

 private:
  std::map<std::string, int> ids_;
};

}  // namespace

int Topology::nr_cores() const { return CountDistinct(cpus, &Cpu::core); }
int Topology::nr_llcs() const { return CountDistinct(cpus, &Cpu::llc); }
int Topology::nr_nodes() const { return CountDistinct(cpus, &Cpu::node); }
int Topology::nr_packages() const { return CountDistinct(cpus, &Cpu::package); }

const Topology::Cpu* Topology::Find(int cpu) const {
  auto it = std::lower_bound(cpus.begin(), cpus.end(), cpu, [](const Cpu& c, int id) { return c.id < id; });
  return it != cpus.end() && it->id == cpu ? &*it : nullptr;
}

std::vector<int> Topology::CpusInLlc(int llc) const {
  std::vector<int> out;
  for (const auto& c : cpus)
    if (c.llc == llc) out.push_back(c.id);
  return out;
}

std::vector<int> Topology::SmtSiblings(int cpu) const {
  std::vector<int> out;
  const Cpu* me = Find(cpu);
  if (!me) return out;
  for (const auto& c : cpus)
    if (c.core == me->core) out.push_back(c.id);
  return out;
}

std::string Topology::Describe() const {
  auto plural = [](int n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  return plural(nr_packages(), "package") + ", " + plural(nr_cores(), "core") + ", " +
         plural(static_cast<int>(cpus.size()), "CPU") + ", " + plural(nr_llcs(), "LLC") + ", " +
         plural(nr_nodes(), "NUMA node");
}

Topology TopologyFromShape(int packages, int cores_per_package, int threads_per_core, int llcs_per_package) {
  Topology t;
  int cores = packages * cores_per_package;
  int cores_per_llc = std::max(1, cores_per_package / std::max(1, llcs_per_package));
  for (int th = 0; th < threads_per_core; ++th) {
    for (int core = 0; core < cores; ++core) {
      Topology::Cpu c;
      c.id = th * cores + core;
      c.core = core;
      c.package = core / cores_per_package;
      c.node = c.package;
      c.llc = c.package * llcs_per_package + std::min(llcs_per_package - 1, (core % cores_per_package) / cores_per_llc);
      t.cpus.push_back(c);
    }
  }
  std::sort(t.cpus.begin(), t.cpus.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return t;
}

Result<Topology> TopologyFromSysfs(const std::string& cpu_root) {
  DIR* d = opendir(cpu_root.c_str());
  if (!d) return MakeError("cannot read " + cpu_root);
  std::vector<int> ids;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 3 && n.compare(0, 3, "cpu") == 0 && std::all_of(n.begin() + 3, n.end(), ::isdigit))
      ids.push_back(std::stoi(n.substr(3)));
  }
  closedir(d);
  if (ids.empty()) return MakeError("no cpuN entries in " + cpu_root);
  std::sort(ids.begin(), ids.end());
  Densifier cores, llcs, nodes, packages;
  Topology t;
  for (int id : ids) {
    std::string base = cpu_root + "/cpu" + std::to_string(id);
    std::string pkg = "0", core = std::to_string(id);
    ReadTrimmed(base + "/topology/physical_package_id", &pkg);
    ReadTrimmed(base + "/topology/core_id", &core);
    // LLC: the shared_cpu_list of the highest-level cache; without cache info, the package
    std::string llc_key = "pkg" + pkg;
    int best_level = -1;
    for (int k = 0; k < 8; ++k) {
      std::string level, shared;
      std::string idx = base + "/cache/index" + std::to_string(k);
      if (!ReadTrimmed(idx + "/level", &level) || !ReadTrimmed(idx + "/shared_cpu_list", &shared)) continue;
      if (std::stoi(level) > best_level) {
        best_level = std::stoi(level);
        llc_key = "L" + level + ":" + shared;
      }
    }
    std::string node_key = "0";
    if (DIR* cd = opendir(base.c_str())) {
      while (dirent* e = readdir(cd)) {
        std::string n = e->d_name;
        if (n.size() > 4 && n.compare(0, 4, "node") == 0 && std::all_of(n.begin() + 4, n.end(), ::isdigit))
          node_key = n.substr(4);
      }
      closedir(cd);
    }
    Topology::Cpu c;
    c.id = id;
    c.package = packages.Id(pkg);
    c.core = cores.Id(pkg + "/" + core);
    c.llc = llcs.Id(llc_key);
    c.node = nodes.Id(node_key);
    t.cpus.push_back(c);
  }
  return t;
}

}  // namespace lsf
