// The bash completion of luasched-fast, generated from its option table (the build writes it for packaging/).
#include "dispatcher/option_table.h"
#include "dispatcher/options.h"

namespace lsf {

using namespace option_table;

std::string BashCompletion() {
  // `prev` cases: what follows an option that takes a value.
  std::string files, numbers, cpus, choices;
  auto names = [](const Spec& s) {
    return (s.short_name ? std::string("-") + s.short_name + "|" : std::string()) + Dashed(s);
  };
  auto join = [](std::string& list, const std::string& n) { list += (list.empty() ? "" : "|") + n; };
  for (const Spec& s : kSpecs) {
    switch (s.kind) {
      case Kind::kFlag: break;
      case Kind::kString: join(files, names(s)); break;
      case Kind::kInt:
      case Kind::kList: join(numbers, names(s)); break;
      case Kind::kCpu: join(cpus, names(s)); break;
      case Kind::kChoice: {
        std::string words;
        for (std::string_view c : Split(s.choices)) words += (words.empty() ? "" : " ") + std::string(c);
        choices += "    " + names(s) + ") COMPREPLY=($(compgen -W \"" + words + "\" -- \"$cur\")); return ;;\n";
        break;
      }
    }
  }
  // The options each command takes.
  auto words_for = [](unsigned commands) {
    std::string w;
    for (const Spec& s : kSpecs)
      if (s.commands & commands) w += (w.empty() ? "" : " ") + Dashed(s);
    return w;
  };
  std::string out =
      "# bash completion for luasched-fast, generated from its option table by the build: do not edit.\n"
      "_luasched_fast() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} words\n"
      "  case $prev in\n";
  if (!files.empty())
    out += "    " + files + ")\n      COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null; return ;;\n";
  out += choices;
  if (!cpus.empty())
    out += "    " + cpus +
           ")\n      COMPREPLY=($(compgen -W \"$(seq 0 $(( $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) - 1 )))\" "
           "-- \"$cur\")); return ;;\n";
  if (!numbers.empty()) out += "    " + numbers + ") return ;;  # a number or a free value\n";
  out += "  esac\n"
         "  if [[ $cur == -* ]]; then\n"
         "    case ${COMP_WORDS[1]:-} in\n"
         "      stats) words=\"" + words_for(kStats) + "\" ;;\n"
         "      top) words=\"" + words_for(kTop) + "\" ;;\n"
         "      check) words=\"" + words_for(kCheck) + "\" ;;\n"
         "      why) words=\"" + words_for(kWhy) + "\" ;;\n"
         "      record) words=\"" + words_for(kRecord) + "\" ;;\n"
         "      replay) words=\"" + words_for(kReplay) + "\" ;;\n"
         "      *) words=\"" + words_for(kRunLike) + "\" ;;\n"
         "    esac\n"
         "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "  elif [ \"$COMP_CWORD\" = 1 ]; then\n"
         "    COMPREPLY=($(compgen -W \"stats top check why record replay\" -- \"$cur\"))\n"
         "  elif [ \"${COMP_WORDS[1]}\" = check ] || [ \"${COMP_WORDS[1]}\" = replay ]; then\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null\n"
         "  fi\n"
         "}\n"
         "complete -F _luasched_fast luasched-fast\n";
  return out;
}

}  // namespace lsf
