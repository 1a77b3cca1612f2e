// lsf-pingpong: a guest workload; two processes pass one byte back and forth over a pipe pair (the
// request/response chain of a client and its server, each hop a sync wakeup), one JSON line out.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

double Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int Usage() {
  std::fprintf(stderr,
               "usage: lsf-pingpong SECONDS [--name COMM]\n"
               "  A parent and a child pass one byte back and forth over two pipes for SECONDS, then the\n"
               "  parent prints {\"name\", \"round_trips\", \"wall_ms\", \"us_per_round_trip\"}. Both take\n"
               "  COMM (default lsf-pingpong) as their name.\n");
  return 2;
}

// One byte through `in`, echoed to `out`, until `in` closes. REQUIRES: blocking pipe ends.
void Echo(int in, int out) {
  char c;
  while (read(in, &c, 1) == 1) {
    if (write(out, &c, 1) != 1) break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const double secs = std::atof(argv[1]);
  std::string name = "lsf-pingpong";
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
      name = argv[++i];
    } else {
      return Usage();
    }
  }
  if (secs <= 0) return Usage();
  prctl(PR_SET_NAME, name.c_str());
  int to_child[2], to_parent[2];
  if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
    std::perror("lsf-pingpong: pipe");
    return 1;
  }
  const pid_t child = fork();
  if (child < 0) {
    std::perror("lsf-pingpong: fork");
    return 1;
  }
  if (child == 0) {
    close(to_child[1]);
    close(to_parent[0]);
    Echo(to_child[0], to_parent[1]);
    _exit(0);
  }
  close(to_child[0]);
  close(to_parent[1]);
  const double start = Now();
  long rounds = 0;
  char c = 'x';
  double now = start;
  while (now - start < secs) {
    if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1) {
      std::perror("lsf-pingpong: round trip");
      return 1;
    }
    ++rounds;
    if ((rounds & 63) == 0) now = Now();
  }
  now = Now();
  close(to_child[1]);
  waitpid(child, nullptr, 0);
  const double wall_ms = (now - start) * 1e3;
  std::printf("{\"name\": \"%s\", \"round_trips\": %ld, \"wall_ms\": %.1f, \"us_per_round_trip\": %.1f}\n",
              name.c_str(), rounds, wall_ms, rounds ? wall_ms * 1e3 / static_cast<double>(rounds) : 0.0);
  return 0;
}
