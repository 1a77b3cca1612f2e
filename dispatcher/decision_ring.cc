// DecisionRing: the recent decisions in a file under /run, mmapped by the dispatcher (the one writer) and by readers.
#include "dispatcher/decision_ring.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "stats/stats.h"  // CreateTempBeside

namespace lsf {
namespace {

constexpr size_t kWords = sizeof(DecisionRecord) / 8;
constexpr uint32_t kSlotSize = sizeof(DecisionSlot);
static_assert(sizeof(DecisionSlot) == 8 + sizeof(DecisionRecord), "slots are packed");
static_assert(std::atomic_ref<uint64_t>::is_always_lock_free, "shared with other processes");

DecisionSlot* SlotAt(void* map, uint64_t n) {
  auto* h = static_cast<DecisionRingHeader*>(map);
  auto* base = static_cast<char*>(map) + h->header_size;
  return reinterpret_cast<DecisionSlot*>(base + (n % h->slot_count) * h->slot_size);
}

std::atomic_ref<uint64_t> Atomic(const uint64_t& word) { return std::atomic_ref<uint64_t>(const_cast<uint64_t&>(word)); }

uint64_t RealNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

DecisionRingWriter::DecisionRingWriter(std::string path, void* map, size_t size)
    : path_(std::move(path)), map_(map), size_(size) {}

Result<std::unique_ptr<DecisionRingWriter>> DecisionRingWriter::Create(const std::string& path,
                                                                       const std::string& policy_path,
                                                                       uint32_t slot_count) {
  const size_t size = kDecisionRingHeaderSize + static_cast<size_t>(slot_count) * kSlotSize;
  std::string tmp;
  auto created = CreateTempBeside(path, &tmp);
  if (!created) return MakeError(created.error());
  const int fd = *created;
  void* map = ftruncate(fd, static_cast<off_t>(size)) == 0
                  ? mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                  : MAP_FAILED;
  const int err = errno;
  close(fd);
  if (map == MAP_FAILED) {
    unlink(tmp.c_str());
    return MakeError("cannot size and map " + tmp + ": " + std::strerror(err));
  }
  auto* h = static_cast<DecisionRingHeader*>(map);  // the file is zeros: every slot's seq is 0
  std::memcpy(h->magic, kDecisionRingMagic, sizeof h->magic);
  h->version = kDecisionRingVersion;
  h->header_size = kDecisionRingHeaderSize;
  h->slot_size = kSlotSize;
  h->slot_count = slot_count;
  h->record_layout = kDecisionRecordLayout;
  h->writer_pid = getpid();
  h->start_real_ns = RealNs();
  std::snprintf(h->policy_path, sizeof h->policy_path, "%s", policy_path.c_str());
  // Readers only find the file after the rename: the header is complete by then.
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    munmap(map, size);
    unlink(tmp.c_str());
    return MakeError("cannot rename to " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<DecisionRingWriter>(new DecisionRingWriter(path, map, size));
}

DecisionRingWriter::~DecisionRingWriter() {
  munmap(map_, size_);
  unlink(path_.c_str());  // no stale decisions: `why` then says no instance runs
}

void DecisionRingWriter::Write(const DecisionRecord& r) {
  const uint64_t n = next_++;
  DecisionSlot* slot = SlotAt(map_, n);
  Atomic(slot->seq).store(2 * n + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  const auto* src = reinterpret_cast<const uint64_t*>(&r);
  auto* dst = reinterpret_cast<uint64_t*>(&slot->record);
  for (size_t i = 0; i < kWords; ++i) Atomic(dst[i]).store(src[i], std::memory_order_relaxed);
  Atomic(slot->seq).store(2 * n + 2, std::memory_order_release);
  Atomic(static_cast<DecisionRingHeader*>(map_)->write_seq).store(n + 1, std::memory_order_release);
}

Result<std::unique_ptr<DecisionRingReader>> DecisionRingReader::Open(const std::string& path, OpenError* error) {
  OpenError local;
  OpenError& e = error ? *error : local;
  auto fail = [&](bool missing, std::string msg) {
    e = {missing, msg};
    return MakeError(std::move(msg));
  };
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return fail(true, "no running luasched-fast found: " + path +
                            " does not exist (is it running? it writes this file unless started with --decisions-file '')");
    return fail(false, "cannot read " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  fstat(fd, &st);
  const size_t size = static_cast<size_t>(st.st_size);
  if (size < kDecisionRingHeaderSize) {
    close(fd);
    return fail(false, path + " is not a luasched-fast decision ring (" + std::to_string(size) + " bytes)");
  }
  void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return fail(false, "cannot map " + path + ": " + std::strerror(errno));
  std::unique_ptr<DecisionRingReader> r(new DecisionRingReader(map, size));
  const DecisionRingHeader& h = r->header();
  if (std::memcmp(h.magic, kDecisionRingMagic, sizeof h.magic) != 0)
    return fail(false, path + " is not a luasched-fast decision ring (bad magic)");
  if (h.version != kDecisionRingVersion || h.record_layout != kDecisionRecordLayout)
    return fail(false, path + " is a decision ring of version " + std::to_string(h.version) + ", record layout " +
                           std::to_string(h.record_layout) + "; this luasched-fast reads version " +
                           std::to_string(kDecisionRingVersion) + ", record layout " +
                           std::to_string(kDecisionRecordLayout) + " (a different luasched-fast is running?)");
  if (h.slot_size != kSlotSize || h.slot_count == 0 || h.header_size < sizeof(DecisionRingHeader) ||
      h.header_size + static_cast<size_t>(h.slot_count) * h.slot_size > size)
    return fail(false, path + ": inconsistent header (slot size " + std::to_string(h.slot_size) + ", " +
                           std::to_string(h.slot_count) + " slots, " + std::to_string(size) + " bytes)");
  return r;
}

DecisionRingReader::~DecisionRingReader() { munmap(map_, size_); }

uint64_t DecisionRingReader::write_seq() const { return Atomic(header().write_seq).load(std::memory_order_acquire); }

uint64_t DecisionRingReader::oldest() const {
  const uint64_t w = write_seq();
  return w > header().slot_count ? w - header().slot_count : 0;
}

std::string DecisionRingReader::policy_path() const {
  const DecisionRingHeader& h = header();
  return std::string(h.policy_path, strnlen(h.policy_path, sizeof h.policy_path));
}

DecisionRingReader::ReadStatus DecisionRingReader::Read(uint64_t n, DecisionRecord* out) const {
  const DecisionSlot* slot = SlotAt(map_, n);
  auto* dst = reinterpret_cast<uint64_t*>(out);
  const auto* src = reinterpret_cast<const uint64_t*>(&slot->record);
  for (int attempt = 0; attempt < 100000; ++attempt) {
    const uint64_t s1 = Atomic(slot->seq).load(std::memory_order_acquire);
    if (s1 < 2 * n + 1) return ReadStatus::kNotYet;
    if (s1 > 2 * n + 2) return ReadStatus::kLost;
    if (s1 == 2 * n + 1) continue;  // being written: a few hundred ns
    for (size_t i = 0; i < kWords; ++i) dst[i] = Atomic(src[i]).load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (Atomic(slot->seq).load(std::memory_order_relaxed) == s1) return ReadStatus::kOk;
    return ReadStatus::kLost;  // overwritten while copied
  }
  return ReadStatus::kLost;  // the writer stopped in the middle (killed): treat as gone
}

}  // namespace lsf
