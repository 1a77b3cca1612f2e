// LoopGuard: rewrites policy source so that every loop iteration and function call pays into a
// per-decision budget, which stops endless loops even in JIT-compiled code.
#include "policies/loop_guard.h"

#include <cctype>

namespace lsf {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// If s[i] starts a long bracket "[", "[=*[", returns its level (number of '='), else -1.
int LongBracketLevel(const std::string& s, size_t i) {
  if (i >= s.size() || s[i] != '[') return -1;
  size_t j = i + 1;
  while (j < s.size() && s[j] == '=') ++j;
  return j < s.size() && s[j] == '[' ? static_cast<int>(j - i - 1) : -1;
}

// Index just past the long bracket that opens at i with `level`, or s.size() if unterminated.
size_t SkipLongBracket(const std::string& s, size_t i, int level) {
  std::string close = "]" + std::string(static_cast<size_t>(level), '=') + "]";
  size_t end = s.find(close, i + static_cast<size_t>(level) + 2);
  return end == std::string::npos ? s.size() : end + close.size();
}

int LineOf(const std::string& s, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < s.size(); ++i) line += s[i] == '\n';
  return line;
}

}  // namespace

Result<std::string> InstrumentPolicySource(const std::string& src) {
  const std::string tick = std::string(" ") + kTickName + "();";
  std::string out = std::string("local ") + kTickName + " = ...; ";
  out.reserve(src.size() + src.size() / 8 + 64);
  size_t i = 0;
  // After `function`: waiting for the '(' of its parameter list, then for the matching ')'.
  bool want_params = false;
  int paren_depth = 0;
  while (i < src.size()) {
    char c = src[i];
    // comments
    if (c == '-' && i + 1 < src.size() && src[i + 1] == '-') {
      int level = LongBracketLevel(src, i + 2);
      size_t end = level >= 0 ? SkipLongBracket(src, i + 2, level) : src.find('\n', i);
      if (end == std::string::npos) end = src.size();
      out.append(src, i, end - i);
      i = end;
      continue;
    }
    // strings
    if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < src.size() && src[j] != c && src[j] != '\n') j += src[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, src.size());
      out.append(src, i, j - i);
      i = j;
      continue;
    }
    if (int level = LongBracketLevel(src, i); level >= 0) {
      size_t end = SkipLongBracket(src, i, level);
      out.append(src, i, end - i);
      i = end;
      continue;
    }
    // numbers (so that "1e5do" style oddities and hex digits never look like identifiers)
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < src.size() && std::isdigit(static_cast<unsigned char>(src[i + 1])))) {
      size_t j = i + 1;
      while (j < src.size() && (IsIdentChar(src[j]) || src[j] == '.' ||
                                ((src[j] == '+' || src[j] == '-') && (src[j - 1] == 'e' || src[j - 1] == 'E' ||
                                                                      src[j - 1] == 'p' || src[j - 1] == 'P'))))
        ++j;
      out.append(src, i, j - i);
      i = j;
      continue;
    }
    if (IsIdentStart(c)) {
      size_t j = i;
      while (j < src.size() && IsIdentChar(src[j])) ++j;
      std::string word = src.substr(i, j - i);
      out += word;
      i = j;
      if (word == "goto")
        return MakeError("line " + std::to_string(LineOf(src, i)) + ": goto is not allowed in policies");
      if (word.rfind("__lsf", 0) == 0)
        return MakeError("line " + std::to_string(LineOf(src, i)) + ": names starting with __lsf are reserved");
      if (word == "do" || word == "repeat") out += tick;
      if (word == "function") {
        want_params = true;
        paren_depth = 0;
      }
      continue;
    }
    // Lua 5.4 local attributes (luasched policies run on Lua 5.4): `local x <const> = v` means
    // `local x = v` for a program that compiles; `<close>` has behaviour we cannot give.
    size_t last = out.find_last_not_of(" \t");
    if (c == '<' && last != std::string::npos && IsIdentChar(out[last])) {
      size_t j = i + 1;
      while (j < src.size() && (src[j] == ' ' || src[j] == '\t')) ++j;
      size_t w = j;
      while (j < src.size() && IsIdentChar(src[j])) ++j;
      std::string attr = src.substr(w, j - w);
      while (j < src.size() && (src[j] == ' ' || src[j] == '\t')) ++j;
      if ((attr == "const" || attr == "close") && j < src.size() && src[j] == '>') {
        if (attr == "close")
          return MakeError("line " + std::to_string(LineOf(src, i)) + ": <close> variables are not supported (Lua 5.4 only)");
        out.append(j + 1 - i, ' ');  // same columns, same lines
        i = j + 1;
        continue;
      }
    }
    out += c;
    ++i;
    if (want_params) {
      if (c == '(') {
        ++paren_depth;
      } else if (c == ')' && --paren_depth == 0) {
        out += tick;
        want_params = false;
      }
    }
  }
  return out;
}

}  // namespace lsf
