// `luasched-fast top`: a live terminal view of the running instance, from its JSON stats file.
#pragma once

#include <string>

#include "stats/stats.h"

namespace lsf {

// One screen of `top` (lines separated by '\n', each at most `width` columns, at most `height`
// lines). Rates are over `prev` -> `cur` (null `prev`: not known yet, shown as "-"); `status` is
// shown on the last line (e.g. that the stats file is gone).
std::string FormatTop(const StatsSnapshot& cur, const StatsSnapshot* prev, const std::string& file,
                      const std::string& status, int width, int height);

// Runs the view on the terminal until q, Ctrl-C or SIGTERM: reads `file` every second and redraws
// (plain ANSI: alternate screen, no ncurses). Returns 3 if the file cannot be read at start.
int RunTop(const std::string& file);

}  // namespace lsf
