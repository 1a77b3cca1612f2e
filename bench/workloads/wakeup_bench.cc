// lsf-wakeup: schbench-style wakeup latency (message threads wake worker threads; wakeup and request latency).
//
// usage: lsf-wakeup [--message-threads M] [--workers T] [--runtime S] [--work-us W] [--sleep-us U]
// Each of M message threads owns T workers. A round: the message thread stamps the time, wakes its T
// workers (futex), and waits until all of them are done; it then sleeps U µs and starts the next round.
// A worker records its wakeup latency (stamp -> running), spins W µs (the request's work) and records the
// request latency (stamp -> done). With M*T workers on fewer CPUs, wakeups queue behind each other.
// Prints LAT wakeup, LAT request (µs) and VAL rounds_per_s, VAL workers.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "bench/workloads/report.h"

namespace {

using lsf_bench::NowNs;

void FutexWait(std::atomic<uint32_t>* word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}
void FutexWake(std::atomic<uint32_t>* word, int n) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, n, nullptr, nullptr, 0);
}

struct alignas(64) Worker {
  std::atomic<uint32_t> seq{0};     // bumped by the message thread for each request
  std::atomic<uint64_t> posted{0};  // when the request was posted (ns)
  std::vector<double> wake_us, req_us;
};

struct alignas(64) Group {
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<uint32_t> done{0};  // workers done with the current round
  uint64_t rounds = 0;
};

std::atomic<bool> g_stop{false};

void Spin(uint64_t ns) {
  uint64_t end = NowNs() + ns;
  while (NowNs() < end) {
  }
}

void WorkerLoop(Group* g, Worker* w, uint64_t work_ns) {
  uint32_t seen = 0;
  for (;;) {
    uint32_t s;
    while ((s = w->seq.load(std::memory_order_acquire)) == seen && !g_stop.load(std::memory_order_relaxed))
      FutexWait(&w->seq, seen);
    if (g_stop.load(std::memory_order_relaxed)) return;
    seen = s;
    uint64_t t_run = NowNs(), posted = w->posted.load(std::memory_order_relaxed);
    Spin(work_ns);
    uint64_t t_done = NowNs();
    w->wake_us.push_back(static_cast<double>(t_run - posted) / 1000.0);
    w->req_us.push_back(static_cast<double>(t_done - posted) / 1000.0);
    if (g->done.fetch_add(1, std::memory_order_acq_rel) + 1 == g->workers.size()) FutexWake(&g->done, 1);
  }
}

void MessageLoop(Group* g, uint64_t end_ns, uint64_t sleep_us) {
  const uint32_t n = static_cast<uint32_t>(g->workers.size());
  while (NowNs() < end_ns) {
    g->done.store(0, std::memory_order_release);
    for (auto& w : g->workers) {
      w->posted.store(NowNs(), std::memory_order_relaxed);
      w->seq.fetch_add(1, std::memory_order_release);
      FutexWake(&w->seq, 1);
    }
    uint32_t d;
    while ((d = g->done.load(std::memory_order_acquire)) < n) FutexWait(&g->done, d);
    ++g->rounds;
    if (sleep_us) usleep(static_cast<useconds_t>(sleep_us));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int m = 2, t = 2;
  double runtime_s = 5, work_us = 100, sleep_us = 0;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!std::strcmp(a, "--message-threads")) m = static_cast<int>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--workers")) t = static_cast<int>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--runtime")) runtime_s = lsf_bench::NumberArg(a, v), ++i;
    else if (!std::strcmp(a, "--work-us")) work_us = lsf_bench::NumberArg(a, v), ++i;
    else if (!std::strcmp(a, "--sleep-us")) sleep_us = lsf_bench::NumberArg(a, v), ++i;
    else {
      std::fprintf(stderr,
                   "usage: lsf-wakeup [--message-threads M] [--workers T] [--runtime S] [--work-us W] [--sleep-us U]\n");
      return 2;
    }
  }
  if (m < 1 || t < 1) {
    std::fprintf(stderr, "lsf-wakeup: need at least one message thread and one worker\n");
    return 2;
  }
  std::vector<std::unique_ptr<Group>> groups;
  std::vector<std::thread> threads;
  const uint64_t end_ns = NowNs() + static_cast<uint64_t>(runtime_s * 1e9);
  for (int i = 0; i < m; ++i) {
    auto g = std::make_unique<Group>();
    for (int j = 0; j < t; ++j) {
      g->workers.push_back(std::make_unique<Worker>());
      g->workers.back()->wake_us.reserve(1 << 16);
      g->workers.back()->req_us.reserve(1 << 16);
    }
    groups.push_back(std::move(g));
  }
  for (auto& g : groups)
    for (auto& w : g->workers) threads.emplace_back(WorkerLoop, g.get(), w.get(), static_cast<uint64_t>(work_us * 1000));
  std::vector<std::thread> messengers;
  for (auto& g : groups) messengers.emplace_back(MessageLoop, g.get(), end_ns, static_cast<uint64_t>(sleep_us));
  const uint64_t t0 = NowNs();
  for (auto& th : messengers) th.join();
  const double elapsed_s = static_cast<double>(NowNs() - t0) / 1e9;
  g_stop = true;
  for (auto& g : groups)
    for (auto& w : g->workers) {
      w->seq.fetch_add(1);
      FutexWake(&w->seq, 1);
    }
  for (auto& th : threads) th.join();

  std::vector<double> wake, req;
  uint64_t rounds = 0;
  for (auto& g : groups) {
    rounds += g->rounds;
    for (auto& w : g->workers) {
      wake.insert(wake.end(), w->wake_us.begin(), w->wake_us.end());
      req.insert(req.end(), w->req_us.begin(), w->req_us.end());
    }
  }
  lsf_bench::PrintLatency("wakeup", wake);
  lsf_bench::PrintLatency("request", req);
  lsf_bench::PrintValue("rounds_per_s", static_cast<double>(rounds) / elapsed_s);
  lsf_bench::PrintValue("workers", m * t);
  return wake.empty() ? 1 : 0;
}
