// TopologyFromHwloc: the only file that includes hwloc; converts its tree into a plain Topology.
#include <hwloc.h>

#include <algorithm>
#include <map>

#include "topology/topology.h"

namespace lsf {
namespace {

// Dense index of an hwloc object (by its logical index), -1 for none.
int Index(std::map<unsigned, int>* ids, hwloc_obj_t obj) {
  if (!obj) return -1;
  auto [it, inserted] = ids->emplace(obj->logical_index, static_cast<int>(ids->size()));
  return it->second;
}

// The deepest-level cache (largest `depth` attribute = last level) above a PU.
hwloc_obj_t LastLevelCache(hwloc_obj_t pu) {
  hwloc_obj_t best = nullptr;
  for (hwloc_obj_t o = pu->parent; o; o = o->parent)
    if (hwloc_obj_type_is_dcache(o->type) && (!best || o->attr->cache.depth > best->attr->cache.depth)) best = o;
  return best;
}

}  // namespace

Result<Topology> TopologyFromHwloc() {
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) return MakeError("hwloc: cannot initialise");
  if (hwloc_topology_load(topo) != 0) {
    hwloc_topology_destroy(topo);
    return MakeError("hwloc: cannot load the machine topology");
  }
  std::map<unsigned, int> cores, llcs, packages;
  Topology t;
  int npu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
  int nnodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
  for (int i = 0; i < npu; ++i) {
    hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, static_cast<unsigned>(i));
    Topology::Cpu c;
    c.id = static_cast<int>(pu->os_index);
    hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu);
    hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, pu);
    c.core = core ? Index(&cores, core) : static_cast<int>(cores.size() + 1000 + c.id);
    c.package = std::max(0, Index(&packages, pkg));
    hwloc_obj_t llc = LastLevelCache(pu);
    c.llc = llc ? Index(&llcs, llc) : c.package;
    c.node = 0;
    for (int n = 0; n < nnodes; ++n) {
      hwloc_obj_t node = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, static_cast<unsigned>(n));
      if (hwloc_bitmap_isset(node->cpuset, pu->os_index)) c.node = n;
    }
    t.cpus.push_back(c);
  }
  hwloc_topology_destroy(topo);
  if (t.cpus.empty()) return MakeError("hwloc: no processing units found");
  std::sort(t.cpus.begin(), t.cpus.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return t;
}

}  // namespace lsf
