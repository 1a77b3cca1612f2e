/* The call frame the policy engine shares with its Lua binding (binding.lua), declared once, here. */
#ifndef LSF_POLICIES_FRAME_H
#define LSF_POLICIES_FRAME_H

/*
 * policy_engine.cc owns one frame per Lua state and refills it for every decision; binding.lua
 * reads and writes it through the FFI (never the policy, which only gets opaque ctx/task handles).
 * Both run on the thread that calls PolicyEngine::Decide, one decision at a time: no locking.
 *
 * binding.lua never retypes any of this: the build generates its FFI declaration of struct
 * lsf_frame and its Lua constants of the enums below from this file (policies/ffi_cdef.cmake), and
 * fails if LuaJIT lays the struct out differently from the C++ compiler (policies/ffi_layout_check.cc).
 * For the generator: plain declarations, enum values as integer expressions, one-line comments.
 */
#include <stdint.h>

#include "bpf/intf.h"

/* frame.invalid: what the binding refused (bits). DSQ and SLICE void the decision (DEFAULT); CPU
 * and LLC are ignored. */
enum lsf_frame_bad {
	LSF_BAD_DSQ   = 1u << 0, /* ctx:dsq() or a returned class that is no class */
	LSF_BAD_SLICE = 1u << 1, /* a slice that is not a positive number of ns */
	LSF_BAD_CPU   = 1u << 2, /* ctx:cpu() of a CPU that does not exist or is not allowed */
	LSF_BAD_LLC   = 1u << 3, /* ctx:llc() of an LLC that does not exist */
};

/* frame.reads: the task fields the decision read (bits; binding.lua's task getters set them), for
 * `luasched-fast why` and the decision ring (dispatcher/decision_record.h). */
enum lsf_task_read {
	LSF_READ_COMM            = 1u << 0,
	LSF_READ_PCOMM           = 1u << 1,
	LSF_READ_PID             = 1u << 2,
	LSF_READ_TGID            = 1u << 3,
	LSF_READ_PPID            = 1u << 4,
	LSF_READ_UID             = 1u << 5,
	LSF_READ_GID             = 1u << 6,
	LSF_READ_PRIO            = 1u << 7,
	LSF_READ_NICE            = 1u << 8,
	LSF_READ_CPU             = 1u << 9,  /* task:cpu() */
	LSF_READ_RUNTIME         = 1u << 10,
	LSF_READ_PREV_CPU        = 1u << 11,
	LSF_READ_NR_CPUS_ALLOWED = 1u << 12,
	LSF_READ_LLC             = 1u << 13, /* task:llc() */
	LSF_READ_CPU_ALLOWED     = 1u << 14, /* task:cpu_allowed(n) */
	LSF_READ_CGROUP          = 1u << 15,
	LSF_NR_TASK_READS        = 16,
};

struct lsf_frame {
	struct lsf_miss miss;  /* copy of the record being classified; comm and pcomm NUL terminated */
	uint64_t slice_ns;     /* 0: not set */
	int32_t cpu;           /* LSF_CPU_ANY: not set */
	uint32_t dsq;          /* enum lsf_class; LSF_CLASS_NONE: not set */
	uint32_t invalid;      /* enum lsf_frame_bad bits */
	uint32_t clamped;      /* 1 if the slice was clamped */
	void *engine;          /* the engine (PolicyEngine::Impl), argument of the callbacks below */
	const char *(*cgroup_fn)(void *engine, int32_t pid);  /* task:cgroup() */
	int32_t budget;        /* loop-guard budget left for this decision */
	int32_t llc;           /* -1: not set */
	uint64_t deadline_ns;  /* CLOCK_MONOTONIC end of the decision's budget; 0 outside a decision */
	int (*expired_fn)(void *engine);                  /* nonzero once past deadline_ns (sets overrun) */
	double (*runtime_fn)(void *engine, int32_t pid);  /* task:runtime() */
	uint32_t overrun;      /* 1 once the decision went past its deadline */
	uint32_t varies;       /* 1 once the decision read a field a fork does not share with its parent */
	uint32_t reads;        /* enum lsf_task_read bits */
	int32_t class_line;    /* policy line of the last ctx:dsq(n) call; 0: none */
	int32_t return_line;   /* a returned class: first line of the attached function; 0: none */
};

LSF_STATIC_ASSERT(__builtin_offsetof(struct lsf_frame, slice_ns) == sizeof(struct lsf_miss),
		  "lsf_frame.miss comes first, unpadded");

#endif /* LSF_POLICIES_FRAME_H */
