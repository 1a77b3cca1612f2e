// `luasched-fast top`: a live terminal view of the running instance, from its JSON stats file.
#include "stats/top.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <vector>

#include "common/log.h"
#include "stats/stats_view.h"

namespace lsf {
namespace {

std::atomic<bool> g_quit{false}, g_resized{false};
void OnQuit(int) { g_quit.store(true); }
void OnResize(int) { g_resized.store(true); }

std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Rates and values of one frame.
class Frame {
 public:
  Frame(const StatsSnapshot& cur, const StatsSnapshot* prev) : cur_(cur), prev_(prev) {
    dt_ = prev ? cur[Stat::UPTIME] - (*prev)[Stat::UPTIME] : 0;
  }
  bool has_rates() const { return prev_ && dt_ > 0; }
  double Rate(Stat s) const { return has_rates() ? ((cur_[s] - (*prev_)[s]) / dt_) : 0; }
  // A rate as text, "-" while unknown.
  std::string RateText(Stat s) const { return has_rates() ? Fmt("%.0f", Rate(s)) : "-"; }
  std::string RateText(double per_s) const { return has_rates() ? Fmt("%.0f", per_s) : "-"; }
  double dt() const { return dt_; }
  const StatsSnapshot& cur() const { return cur_; }
  const StatsSnapshot* prev() const { return prev_; }

 private:
  const StatsSnapshot& cur_;
  const StatsSnapshot* prev_;
  double dt_ = 0;
};

std::string Duration(double s) {
  long t = static_cast<long>(s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  return buf;
}

// "label rate" for every counter of `group`, from the schema (a new counter shows up by itself).
std::string GroupRates(const Frame& f, StatGroup group) {
  std::string out;
  for (size_t i = 0; i < kNrStats; ++i) {
    const StatField& field = kStatFields[i];
    if (field.group != group || field.kind != StatKind::kCounter || !f.cur().present.test(i)) continue;
    out += "  " + std::string(field.label) + " " + f.RateText(static_cast<Stat>(i));
  }
  return out;
}

uint64_t Sum(const KernelStats& k, std::initializer_list<lsf_stat> which) {
  uint64_t n = 0;
  for (lsf_stat s : which) n += k.v[s];
  return n;
}

}  // namespace

std::string FormatTop(const StatsSnapshot& cur, const StatsSnapshot* prev, const std::string& file,
                      const std::string& status, int width, int height) {
  Frame f(cur, prev);
  std::vector<std::string> lines;
  char buf[256];
  lines.push_back("luasched-fast top   up " + Duration(cur[Stat::UPTIME]) + "   policy generation " +
                  Fmt("%.0f", cur[Stat::POLICY_GENERATION]) + " (" + Fmt("%.0f", cur[Stat::POLICY_RELOADS]) +
                  " reloads)   q quits");
  lines.push_back("dispatcher CPU " + Fmt("%.1f%%", cur[Stat::DISPATCHER_CPU]) + "   page faults " +
                  Fmt("%.0f", cur[Stat::PAGE_FAULTS]) + "   verdicts/s " + f.RateText(Stat::VERDICTS_SENT) +
                  "   " + file);
  lines.push_back("");
  lines.push_back("class        inserts/s  dispatches/s      inserts   dispatches");
  struct Row { const char* name; Stat ins, disp; };
  const Row rows[] = {{"REALTIME", Stat::INS_REALTIME, Stat::DISP_REALTIME},
                      {"BATCH", Stat::INS_BATCH, Stat::DISP_BATCH},
                      {"DEFAULT", Stat::INS_DEFAULT, Stat::DISP_DEFAULT},
                      {"targeted", Stat::INS_CPU, Stat::DISP_CPU}};
  for (const Row& r : rows) {
    std::snprintf(buf, sizeof buf, "%-10s %11s %13s %12.0f %12.0f", r.name, f.RateText(r.ins).c_str(),
                  f.RateText(r.disp).c_str(), cur[r.ins], cur[r.disp]);
    lines.push_back(buf);
  }
  lines.push_back("");
  double dh = f.Rate(Stat::HIT), dm = f.Rate(Stat::MISS);
  std::string now = f.has_rates() && dh + dm > 0 ? Fmt("%.1f%%", 100.0 * dh / (dh + dm)) : "-";
  lines.push_back("cache        hit rate " + Fmt("%.1f%%", cur[Stat::HIT_RATE]) + " (last interval " + now +
                  ")   hits/s " + f.RateText(Stat::HIT) + "   misses/s " + f.RateText(Stat::MISS) + "   direct/s " +
                  f.RateText(Stat::DIRECT));
  double fb = 0;
  for (size_t i = 0; i < kNrStats; ++i)
    if (kStatFields[i].group == StatGroup::fallback) fb += f.Rate(static_cast<Stat>(i));
  lines.push_back("fallbacks/s  " + f.RateText(fb) + " =" + GroupRates(f, StatGroup::fallback));
  lines.push_back("round trip   p50 <= " + Fmt("%.0f", cur[Stat::ROUND_TRIP_P50]) + " us   p99 <= " +
                  Fmt("%.0f", cur[Stat::ROUND_TRIP_P99]) + " us   miss->verdict p50 <= " +
                  Fmt("%.0f", cur[Stat::MISS_TO_VERDICT_P50]) + " us   p99 <= " +
                  Fmt("%.0f", cur[Stat::MISS_TO_VERDICT_P99]) + " us   max " +
                  Fmt("%.0f", cur[Stat::MISS_TO_VERDICT_MAX]) + " us");
  lines.push_back("policy/s    " + GroupRates(f, StatGroup::policy));
  lines.push_back("verdicts/s  " + GroupRates(f, StatGroup::verdicts));
  lines.push_back("");
  const bool per_cpu = !cur.per_cpu.empty();
  if (!per_cpu) {
    lines.push_back("per-CPU counters: not in the stats file");
  } else {
    lines.push_back("cpu    inserts/s  dispatches/s     hits/s   misses/s  fallbacks/s");
    bool rates = f.has_rates() && prev->per_cpu.size() == cur.per_cpu.size();
    for (size_t c = 0; c < cur.per_cpu.size(); ++c) {
      const KernelStats& k = cur.per_cpu[c];
      KernelStats p = rates ? prev->per_cpu[c] : KernelStats{};
      auto r = [&](std::initializer_list<lsf_stat> which) {
        return rates ? Fmt("%.0f", static_cast<double>(Sum(k, which) - Sum(p, which)) / f.dt()) : std::string("-");
      };
      std::snprintf(buf, sizeof buf, "%3zu %12s %13s %10s %10s %12s", c,
                    r({LSF_ST_INS_REALTIME, LSF_ST_INS_BATCH, LSF_ST_INS_DEFAULT, LSF_ST_INS_CPU}).c_str(),
                    r({LSF_ST_DISP_REALTIME, LSF_ST_DISP_BATCH, LSF_ST_DISP_DEFAULT, LSF_ST_DISP_CPU}).c_str(),
                    r({LSF_ST_HIT}).c_str(), r({LSF_ST_MISS}).c_str(),
                    r({LSF_ST_FALLBACK_DEADLINE, LSF_ST_MISS_RB_FULL, LSF_ST_FALLBACK_NOUSER, LSF_ST_CACHE_FULL}).c_str());
      lines.push_back(buf);
    }
  }
  // Fit the terminal: the status line always shows; CPU rows that do not fit are summarised.
  size_t max_lines = height > 2 ? static_cast<size_t>(height) - 1 : 1;
  if (lines.size() > max_lines) {
    size_t hidden = lines.size() - (max_lines - 1);
    lines.resize(max_lines - 1);
    lines.push_back("(" + std::to_string(hidden) + " more lines: enlarge the terminal)");
  }
  lines.push_back(status);
  std::string out;
  for (std::string& l : lines) {
    if (width > 0 && l.size() > static_cast<size_t>(width)) l.resize(static_cast<size_t>(width));
    out += l + "\n";
  }
  return out;
}

namespace {

// The terminal in a state for a full-screen view, restored on destruction.
class Screen {
 public:
  Screen() {
    tty_in_ = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0;
    if (tty_in_) {
      termios raw = saved_;
      raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));  // keys one at a time, unechoed; ISIG kept
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    tty_out_ = isatty(STDOUT_FILENO);
    if (tty_out_) Write("\033[?1049h\033[?25l");  // alternate screen, cursor hidden
  }
  ~Screen() {
    if (tty_out_) Write("\033[?25h\033[?1049l");
    if (tty_in_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  void Draw(const std::string& frame) {
    std::string out = "\033[H";
    for (size_t pos = 0; pos < frame.size();) {
      size_t nl = frame.find('\n', pos);
      out += frame.substr(pos, nl - pos) + "\033[K\n";
      pos = nl + 1;
    }
    Write(out + "\033[J");
  }
  void Size(int* width, int* height) const {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
      *width = ws.ws_col;
      *height = ws.ws_row;
    } else {
      *width = 100;
      *height = 50;
    }
  }
  // Waits up to `ms` for a key; true if it was q (or Q).
  bool WaitForQuit(int ms) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (poll(&p, stdin_open_ ? 1 : 0, ms) <= 0) return false;  // without stdin: sleeps (signals end it)
    char c[16];
    ssize_t n = read(STDIN_FILENO, c, sizeof c);
    if (n <= 0 && !(n < 0 && errno == EINTR)) {
      stdin_open_ = tty_in_ && n < 0 && errno == EAGAIN;  // end of a non-terminal stdin: only signals quit
      return false;
    }
    for (ssize_t i = 0; i < n; ++i)
      if (c[i] == 'q' || c[i] == 'Q') return true;
    return false;
  }

 private:
  static void Write(const std::string& s) {
    for (size_t off = 0; off < s.size();) {
      ssize_t n = write(STDOUT_FILENO, s.data() + off, s.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  termios saved_{};
  bool tty_in_ = false, tty_out_ = false;
  bool stdin_open_ = true;
};

double NowS() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int RunTop(const std::string& file) {
  auto first = ReadStatsFile(file);
  if (!first) {
    LogError("%s", first.error().c_str());
    return 3;
  }
  struct sigaction sa{};
  sa.sa_handler = OnQuit;  // no SA_RESTART: poll() returns at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = OnResize;
  sigaction(SIGWINCH, &sa, nullptr);

  StatsSnapshot cur = *first;
  std::optional<StatsSnapshot> prev;  // the snapshot rates are computed from
  double last_change = NowS();
  std::string status;
  Screen screen;
  while (!g_quit.load()) {
    int width = 0, height = 0;
    screen.Size(&width, &height);
    screen.Draw(FormatTop(cur, prev ? &*prev : nullptr, file, status, width, height));
    // Wait a second (a key or a resize may end it early), then read the file again.
    double next = NowS() + 1.0;
    bool quit = false;
    while (!quit && !g_quit.load() && !g_resized.exchange(false)) {
      int ms = static_cast<int>((next - NowS()) * 1000);
      if (ms <= 0) break;
      quit = screen.WaitForQuit(ms);
    }
    if (quit) break;
    auto snap = ReadStatsFile(file);
    if (!snap) {
      status = "cannot read the stats file: is luasched-fast still running? (retrying)";
      continue;
    }
    status.clear();
    double up = (*snap)[Stat::UPTIME];
    if (up > cur[Stat::UPTIME]) {  // a newer snapshot: rates over the last interval
      prev = cur;
      cur = std::move(*snap);
      last_change = NowS();
    } else if (up < cur[Stat::UPTIME]) {  // a new instance: no rates yet
      prev.reset();
      cur = std::move(*snap);
      last_change = NowS();
    } else if (NowS() - last_change > 3) {
      status = "the stats file has not changed for " + Fmt("%.0f", NowS() - last_change) +
               " s: luasched-fast stopped or hung?";
    }
  }
  return 0;
}

}  // namespace lsf
