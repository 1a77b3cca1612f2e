// lsf-httpload: open-loop HTTP/1.1 load at a given request rate; latency from each request's scheduled time.
//
// usage: lsf-httpload --rate R --duration S [--arrivals fixed|poisson] [--seed N] [--connections C]
//                     [--port P] [--path /index.html] [--name NAME] [--raw FILE]
// R x S requests. With --arrivals fixed (default) request k is due at start + k/R; with poisson after
// independent exponential gaps of mean 1/R from seed N (bench/workloads/arrivals.h: a fixed rate that is a
// multiple of the tick period sees one phase of the tick only, which a deterministic guest clock turns
// into run-to-run differences). Either way a request is due whether or not earlier ones have finished
// (open loop). A due request
// goes out on the first idle keep-alive connection to 127.0.0.1:P (C connections, default 32); if none is
// idle it waits, and its latency still counts from its due time, so a stalled server shows up in the tail
// instead of lowering the offered rate (no coordinated omission). After S seconds, requests in flight get
// up to 10 s more; what is still unanswered then counts as a timeout with latency "now - due".
// Prints LAT NAME (µs), VAL NAME_rate (answers/s), VAL NAME_errors (non-200, broken connections),
// VAL NAME_timeouts and VAL NAME_late_sends (requests sent > 1 ms after they were due). --raw FILE writes
// one line per request, "due_ns latency_us" (due on CLOCK_MONOTONIC; answers in the order they came).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "bench/workloads/arrivals.h"
#include "bench/workloads/report.h"

namespace {

using lsf_bench::NowNs;

struct Conn {
  int fd = -1;
  bool busy = false;
  uint64_t due = 0;  // the scheduled time of the request in flight
  std::string in;
};

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // connect blocks (loopback): no half-open sends
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Returns the length of a complete response at the start of `in` (0: incomplete, -1: malformed) and its status.
long Complete(const std::string& in, int* status) {
  size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  if (in.compare(0, 9, "HTTP/1.1 ") != 0 && in.compare(0, 9, "HTTP/1.0 ") != 0) return -1;
  *status = std::atoi(in.c_str() + 9);
  long len = 0;
  for (size_t p = 0; p < end;) {
    size_t nl = in.find("\r\n", p);
    if (strncasecmp(in.c_str() + p, "content-length:", 15) == 0) len = std::atol(in.c_str() + p + 15);
    p = nl + 2;
  }
  size_t total = end + 4 + static_cast<size_t>(len);
  return in.size() >= total ? static_cast<long>(total) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  double rate = 0, duration_s = 0;
  int conns = 32, port = 8080;
  std::string path = "/index.html", name = "http", raw_path;
  lsf_bench::Arrivals arrivals = lsf_bench::Arrivals::kFixed;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!std::strcmp(a, "--rate")) rate = lsf_bench::NumberArg(a, v), ++i;
    else if (!std::strcmp(a, "--duration")) duration_s = lsf_bench::NumberArg(a, v), ++i;
    else if (!std::strcmp(a, "--connections")) conns = static_cast<int>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--port")) port = static_cast<int>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--path") && v) path = v, ++i;
    else if (!std::strcmp(a, "--name") && v) name = v, ++i;
    else if (!std::strcmp(a, "--raw") && v) raw_path = v, ++i;
    else if (!std::strcmp(a, "--seed")) seed = static_cast<uint64_t>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--arrivals")) {
      auto k = lsf_bench::ParseArrivals(v);
      if (!k) {
        std::fprintf(stderr, "lsf-httpload: --arrivals takes fixed or poisson (got '%s')\n", v ? v : "");
        return 2;
      }
      arrivals = *k, ++i;
    } else {
      std::fprintf(stderr,
                   "usage: lsf-httpload --rate R --duration S [--arrivals fixed|poisson] [--seed N] [--connections C]\n"
                   "                    [--port P] [--path P] [--name N] [--raw FILE]\n");
      return 2;
    }
  }
  if (rate <= 0 || duration_s <= 0 || conns < 1) {
    std::fprintf(stderr, "lsf-httpload: --rate and --duration must be > 0, --connections >= 1\n");
    return 2;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> c(conns);
  auto open_conn = [&](int i) {
    if (c[i].fd >= 0) close(c[i].fd);
    c[i] = Conn{};
    c[i].fd = Connect(port);
    if (c[i].fd < 0) return false;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
    return true;
  };
  long errors = 0, timeouts = 0, late = 0;
  for (int i = 0; i < conns; ++i)
    if (!open_conn(i)) ++errors;

  FILE* raw = nullptr;
  if (!raw_path.empty() && !(raw = std::fopen(raw_path.c_str(), "w"))) {
    std::fprintf(stderr, "lsf-httpload: cannot write %s: %s\n", raw_path.c_str(), std::strerror(errno));
    return 2;
  }
  const long total = static_cast<long>(rate * duration_s);
  const std::vector<uint64_t> sched = lsf_bench::ArrivalSchedule(arrivals, rate, total, seed);  // ns after t0
  std::deque<uint64_t> waiting;  // due times of requests waiting for an idle connection
  std::vector<double> lat_us;
  lat_us.reserve(total);
  long next = 0, answered = 0;
  const uint64_t t0 = NowNs() + 100'000'000;  // connections settle for 100 ms
  // unanswered 10 s after the end (or after the last due time, which a Poisson schedule may put later)
  const uint64_t end = t0 + std::max(static_cast<uint64_t>(duration_s * 1e9), sched.empty() ? 0 : sched.back());
  const uint64_t deadline = end + 10'000'000'000ull;
  auto record = [&](uint64_t due, uint64_t at) {
    double us = static_cast<double>(at - due) / 1000.0;
    lat_us.push_back(us);
    if (raw) std::fprintf(raw, "%llu %.1f\n", static_cast<unsigned long long>(due), us);
  };
  char buf[16384];
  for (;;) {
    uint64_t now = NowNs();
    while (next < total && t0 + sched[next] <= now) waiting.push_back(t0 + sched[next++]);
    for (int i = 0; i < conns && !waiting.empty(); ++i) {
      if (c[i].busy || c[i].fd < 0) continue;
      c[i].busy = true;
      c[i].due = waiting.front();
      waiting.pop_front();
      if (now - c[i].due > 1'000'000) ++late;
      if (send(c[i].fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        ++errors;
        open_conn(i);  // the request is lost: counted as an error
      }
    }
    bool in_flight = !waiting.empty();
    for (auto& x : c) in_flight |= x.busy;
    if (next >= total && !in_flight) break;
    if (now >= deadline) {
      for (auto& x : c)
        if (x.busy) ++timeouts, record(x.due, now);
      for (uint64_t d : waiting) ++timeouts, record(d, now);
      break;
    }
    uint64_t wake = next < total ? t0 + sched[next] : now + 10'000'000;
    timespec ts{0, static_cast<long>(wake > now ? std::min<uint64_t>(wake - now, 10'000'000) : 0)};
    epoll_event evs[64];
    int n = epoll_pwait2(ep, evs, 64, &ts, nullptr);
    for (int k = 0; k < n; ++k) {
      int i = static_cast<int>(evs[k].data.u32);
      ssize_t r = recv(c[i].fd, buf, sizeof buf, 0);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        if (c[i].busy) ++errors;  // closed with a request in flight: the request is lost
        if (!open_conn(i)) ++errors;
        continue;
      }
      c[i].in.append(buf, static_cast<size_t>(r));
      int status = 0;
      long len = Complete(c[i].in, &status);
      if (len == 0) continue;
      if (len < 0 || !c[i].busy) {
        ++errors;
        open_conn(i);
        continue;
      }
      record(c[i].due, NowNs());
      ++answered;
      if (status != 200) ++errors;
      c[i].in.erase(0, static_cast<size_t>(len));
      c[i].busy = false;
    }
  }
  const double elapsed_s = static_cast<double>(NowNs() - t0) / 1e9;
  const bool raw_failed = raw && std::fclose(raw) != 0;
  if (raw_failed) std::fprintf(stderr, "lsf-httpload: writing %s failed\n", raw_path.c_str());
  lsf_bench::PrintLatency(name, lat_us);
  lsf_bench::PrintValue(name + "_rate", static_cast<double>(answered) / elapsed_s);
  lsf_bench::PrintValue(name + "_errors", static_cast<double>(errors));
  lsf_bench::PrintValue(name + "_timeouts", static_cast<double>(timeouts));
  lsf_bench::PrintValue(name + "_late_sends", static_cast<double>(late));
  return answered && !raw_failed ? 0 : 1;
}
