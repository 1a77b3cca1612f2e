// Recordings: the decisions `luasched-fast record` wrote to a file, in a versioned format (docs/recording.md).
#include "dispatcher/recording.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lsf {
namespace {

constexpr uint32_t kMaxString = 4096;  // host, kernel, policy path
constexpr uint32_t kMaxCpus = LSF_MAX_CPUS;
static_assert(kDecisionRecordFixed == 304, "docs/recording.md gives the fixed size of layout 1");

void Put(std::string* out, const void* p, size_t n) { out->append(static_cast<const char*>(p), n); }
template <typename T>
void PutInt(std::string* out, T v) { Put(out, &v, sizeof v); }
void PutString(std::string* out, const std::string& s) {
  PutInt<uint32_t>(out, static_cast<uint32_t>(s.size()));
  Put(out, s.data(), s.size());
}

// A cursor over the file's bytes; every read says whether the bytes were there.
struct Cursor {
  const std::string& data;
  size_t pos = 0;
  bool Get(void* p, size_t n) {
    if (data.size() - pos < n) return false;
    std::memcpy(p, data.data() + pos, n);
    pos += n;
    return true;
  }
  template <typename T>
  bool GetInt(T* v) { return Get(v, sizeof *v); }
  bool GetString(std::string* s, uint32_t max) {
    uint32_t n = 0;
    if (!GetInt(&n) || n > max || data.size() - pos < n) return false;
    s->assign(data, pos, n);
    pos += n;
    return true;
  }
};

std::string Encode(const RecordingHeader& h) {
  std::string out;
  Put(&out, kRecordingMagic, sizeof kRecordingMagic);
  PutInt<uint32_t>(&out, kRecordingByteOrder);
  PutInt<uint32_t>(&out, h.format);
  PutInt<uint32_t>(&out, h.record_layout);
  PutInt<uint32_t>(&out, static_cast<uint32_t>(kDecisionRecordFixed));
  PutInt<uint64_t>(&out, h.start_real_ns);
  PutInt<uint64_t>(&out, h.policy_size);
  PutInt<int64_t>(&out, h.policy_mtime_ns);
  PutInt<uint32_t>(&out, h.nr_cpus);
  PutString(&out, h.host);
  PutString(&out, h.kernel);
  PutString(&out, h.policy_path);
  PutInt<uint32_t>(&out, static_cast<uint32_t>(h.cpu_llc.size()));
  for (int32_t l : h.cpu_llc) PutInt<int32_t>(&out, l);
  return out;
}

}  // namespace

Result<std::unique_ptr<RecordingWriter>> RecordingWriter::Create(const std::string& path, const RecordingHeader& h,
                                                                 uint64_t max_bytes) {
  const std::string head = Encode(h);
  if (head.size() > max_bytes) return MakeError("--max-mb is too small for even the header of " + path);
  FILE* f = std::fopen(path.c_str(), "wbe");
  if (!f) return MakeError("cannot write " + path + ": " + std::strerror(errno));
  if (std::fwrite(head.data(), 1, head.size(), f) != head.size()) {
    std::fclose(f);
    return MakeError("cannot write " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<RecordingWriter>(new RecordingWriter(f, path, head.size(), max_bytes));
}

RecordingWriter::~RecordingWriter() { std::fclose(f_); }

Result<bool> RecordingWriter::Append(const DecisionRecord& r) {
  const size_t cgroup = strnlen(r.cgroup, sizeof r.cgroup - 1);
  const uint32_t len = static_cast<uint32_t>(kDecisionRecordFixed + cgroup);
  if (bytes_ + sizeof len + len > max_bytes_) return false;
  std::string out;
  out.reserve(sizeof len + len);
  PutInt<uint32_t>(&out, len);
  Put(&out, &r, kDecisionRecordFixed);
  Put(&out, r.cgroup, cgroup);
  if (std::fwrite(out.data(), 1, out.size(), f_) != out.size())
    return MakeError("cannot write " + path_ + ": " + std::strerror(errno));
  bytes_ += out.size();
  ++records_;
  return true;
}

Status RecordingWriter::Flush() {
  if (std::fflush(f_) != 0) return MakeError("cannot write " + path_ + ": " + std::strerror(errno));
  return {};
}

Result<Recording> ReadRecording(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError("cannot read " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  Cursor c{data};
  Recording rec;
  RecordingHeader& h = rec.header;
  char magic[8];
  uint32_t order = 0, fixed = 0, nr_llc = 0;
  if (!c.Get(magic, sizeof magic) || std::memcmp(magic, kRecordingMagic, sizeof magic) != 0)
    return MakeError(path + " is not a luasched-fast recording (bad magic)");
  if (!c.GetInt(&order) || !c.GetInt(&h.format)) return MakeError(path + ": truncated in the header");
  if (order != kRecordingByteOrder) return MakeError(path + " was recorded on a host of another byte order");
  if (h.format != kRecordingFormat)
    return MakeError(path + " is recording format version " + std::to_string(h.format) +
                     "; this luasched-fast reads format version " + std::to_string(kRecordingFormat) +
                     (h.format > kRecordingFormat ? " (a newer luasched-fast wrote it)" : ""));
  if (!c.GetInt(&h.record_layout)) return MakeError(path + ": truncated in the header");
  if (h.record_layout != kDecisionRecordLayout)
    return MakeError(path + " holds records of layout version " + std::to_string(h.record_layout) +
                     "; this luasched-fast reads layout version " + std::to_string(kDecisionRecordLayout));
  if (!c.GetInt(&fixed) || !c.GetInt(&h.start_real_ns) || !c.GetInt(&h.policy_size) || !c.GetInt(&h.policy_mtime_ns) ||
      !c.GetInt(&h.nr_cpus) || !c.GetString(&h.host, kMaxString) || !c.GetString(&h.kernel, kMaxString) ||
      !c.GetString(&h.policy_path, kMaxString) || !c.GetInt(&nr_llc) || nr_llc > kMaxCpus)
    return MakeError(path + ": truncated or malformed header");
  if (fixed != kDecisionRecordFixed) return MakeError(path + ": records of " + std::to_string(fixed) + " bytes, not " +
                                                      std::to_string(kDecisionRecordFixed) + " (a malformed header)");
  h.cpu_llc.resize(nr_llc);
  for (int32_t& l : h.cpu_llc)
    if (!c.GetInt(&l)) return MakeError(path + ": truncated or malformed header");
  while (c.pos < data.size()) {
    const size_t at = c.pos, index = rec.records.size();
    uint32_t len = 0;
    DecisionRecord r;
    std::memset(&r, 0, sizeof r);
    if (!c.GetInt(&len) || data.size() - c.pos < len)
      return MakeError(path + ": truncated in record " + std::to_string(index) + " (byte " + std::to_string(at) +
                       "; the " + std::to_string(index) + " records before it are complete)");
    if (len < kDecisionRecordFixed || len >= sizeof r)
      return MakeError(path + ": record " + std::to_string(index) + " (byte " + std::to_string(at) +
                       ") has a malformed length " + std::to_string(len) + " (a corrupt file)");
    c.Get(&r, len);  // the fixed part, then the cgroup (NUL terminated by the memset)
    rec.records.push_back(r);
  }
  return rec;
}

}  // namespace lsf
