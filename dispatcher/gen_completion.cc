// Build tool: prints the bash completion of luasched-fast, generated from its option table.
#include <cstdio>

#include "dispatcher/options.h"

int main() {
  std::fputs(lsf::BashCompletion().c_str(), stdout);
  return 0;
}
