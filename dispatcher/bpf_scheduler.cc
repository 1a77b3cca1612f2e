// The real scheduler for the Service: the BPF scheduler loaded through BpfKernelPort.
#include "dispatcher/bpf_scheduler.h"

#include <unistd.h>

#include "port/bpf_kernel_port.h"
#include "port/scx_host.h"
#include "common/log.h"
#include "topology/topology.h"

namespace lsf {
namespace {

class BpfScheduler final : public LoadedScheduler {
 public:
  BpfScheduler(std::unique_ptr<BpfKernelPort> port, const Topology* topo, int attach_delay_ms)
      : port_(std::move(port)), topo_(topo), attach_delay_ms_(attach_delay_ms) {}
  KernelPort& port() override { return *port_; }
  Status Attach() override {
    if (attach_delay_ms_ > 0) {  // tests: widen the window between load and attach
      LogWarning("fault injection: attaching in %d ms", attach_delay_ms_);
      usleep(static_cast<useconds_t>(attach_delay_ms_) * 1000);
    }
    return port_->Attach();
  }
  void Detach() override { port_->Detach(); }
  std::string ExitDump() const override { return port_->ExitDump(); }
  std::string Describe() const override {
    auto state = scx::State();
    return std::string(port_->transport() == BpfKernelPort::Transport::kArena ? "arena" : "ringbuf") +
           " transport, " + (topo_ ? topo_->Describe() : std::to_string(port_->nr_cpus()) + " CPUs") +
           ", sched_ext " + (state ? *state : std::string("?")) + " (ops " + scx::LoadedOps() + ")" +
           (port_->kick_available() ? "" : " [no syscall kick: timer only]");
  }

 private:
  std::unique_ptr<BpfKernelPort> port_;
  const Topology* topo_;
  int attach_delay_ms_;
};

}  // namespace

Result<std::unique_ptr<LoadedScheduler>> LoadBpfScheduler(const Options& opt, const Faults& faults,
                                                          const Topology* topology) {
  BpfKernelPort::Options k;
  k.no_kick = faults.no_kick;
  k.object_path = faults.bpf_object;
  k.default_slice_ns = opt.slice_ns;
  k.miss_wait = opt.miss == Options::MissMode::kWait;
  k.miss_rate = static_cast<uint32_t>(opt.miss_rate);
  k.verbose = opt.verbose;
  k.transport = opt.transport == Options::Transport::kArena ? BpfKernelPort::Transport::kArena : BpfKernelPort::Transport::kRingbuf;
  auto port = BpfKernelPort::Load(k);
  if (!port && k.transport == BpfKernelPort::Transport::kArena && !opt.transport_set) {
    LogWarning("arena transport unavailable (%s); using ringbuf", port.error().c_str());
    k.transport = BpfKernelPort::Transport::kRingbuf;
    port = BpfKernelPort::Load(k);
  }
  if (!port) return MakeError(port.error());
  return std::unique_ptr<LoadedScheduler>(std::make_unique<BpfScheduler>(std::move(*port), topology, faults.attach_delay_ms));
}

}  // namespace lsf
