// lsf-spin: a guest workload; alternates busy and sleep phases so it is enqueued often.
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace {

double Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: lsf-spin SECONDS [BUSY_US [SLEEP_US]]  (default 2000 us busy, 1000 us sleep)\n");
    return 2;
  }
  double seconds = std::atof(argv[1]);
  double busy = (argc > 2 ? std::atof(argv[2]) : 2000.0) / 1e6;
  useconds_t nap = static_cast<useconds_t>(argc > 3 ? std::atoi(argv[3]) : 1000);
  double end = Now() + seconds;
  unsigned long rounds = 0;
  while (Now() < end) {
    double until = Now() + busy;
    while (Now() < until) {
    }
    if (nap) usleep(nap);
    ++rounds;
  }
  std::printf("lsf-spin: %lu rounds\n", rounds);
  return 0;
}
