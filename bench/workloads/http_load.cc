// lsf-httpload: open-loop HTTP/1.1 load at a fixed request rate; latency from each request's scheduled time.
//
// usage: lsf-httpload --rate R --duration S [--connections C] [--port P] [--path /index.html] [--name NAME]
// Request k is due at start + k/R, whether or not earlier ones have finished (open loop). A due request
// goes out on the first idle keep-alive connection to 127.0.0.1:P (C connections, default 32); if none is
// idle it waits, and its latency still counts from its due time, so a stalled server shows up in the tail
// instead of lowering the offered rate (no coordinated omission). After S seconds, requests in flight get
// up to 10 s more; what is still unanswered then counts as a timeout with latency "now - due".
// Prints LAT NAME (µs), VAL NAME_rate (answers/s), VAL NAME_errors (non-200, broken connections),
// VAL NAME_timeouts and VAL NAME_late_sends (requests sent > 1 ms after they were due).
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
  std::string path = "/index.html", name = "http";
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!std::strcmp(a, "--rate")) rate = lsf_bench::NumberArg(a, v), ++i;
    else if (!std::strcmp(a, "--duration")) duration_s = lsf_bench::NumberArg(a, v), ++i;
    else if (!std::strcmp(a, "--connections")) conns = static_cast<int>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--port")) port = static_cast<int>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--path") && v) path = v, ++i;
    else if (!std::strcmp(a, "--name") && v) name = v, ++i;
    else {
      std::fprintf(stderr, "usage: lsf-httpload --rate R --duration S [--connections C] [--port P] [--path P] [--name N]\n");
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

  const long total = static_cast<long>(rate * duration_s);
  const double gap_ns = 1e9 / rate;
  std::deque<uint64_t> waiting;  // due times of requests waiting for an idle connection
  std::vector<double> lat_us;
  lat_us.reserve(total);
  long next = 0, answered = 0;
  const uint64_t t0 = NowNs() + 100'000'000;  // connections settle for 100 ms
  const uint64_t end = t0 + static_cast<uint64_t>(duration_s * 1e9), deadline = end + 10'000'000'000ull;
  char buf[16384];
  for (;;) {
    uint64_t now = NowNs();
    while (next < total && t0 + static_cast<uint64_t>(next * gap_ns) <= now)
      waiting.push_back(t0 + static_cast<uint64_t>(next++ * gap_ns));
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
        if (x.busy) ++timeouts, lat_us.push_back(static_cast<double>(now - x.due) / 1000.0);
      for (uint64_t d : waiting) ++timeouts, lat_us.push_back(static_cast<double>(now - d) / 1000.0);
      break;
    }
    uint64_t wake = next < total ? t0 + static_cast<uint64_t>(next * gap_ns) : now + 10'000'000;
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
      lat_us.push_back(static_cast<double>(NowNs() - c[i].due) / 1000.0);
      ++answered;
      if (status != 200) ++errors;
      c[i].in.erase(0, static_cast<size_t>(len));
      c[i].busy = false;
    }
  }
  const double elapsed_s = static_cast<double>(NowNs() - t0) / 1e9;
  lsf_bench::PrintLatency(name, lat_us);
  lsf_bench::PrintValue(name + "_rate", static_cast<double>(answered) / elapsed_s);
  lsf_bench::PrintValue(name + "_errors", static_cast<double>(errors));
  lsf_bench::PrintValue(name + "_timeouts", static_cast<double>(timeouts));
  lsf_bench::PrintValue(name + "_late_sends", static_cast<double>(late));
  return answered ? 0 : 1;
}
