/*
 * trace.h: hv's side of the trace (trace/hvt_format.h): the shared-memory
 * descriptor and per-CPU rings (trace/ring.c) that the host collector
 * (hvtrace collect --mem FILE --key K) reads while QEMU runs, and the
 * records the core emits: EXIT, HYPERCALL, MARKER, MMIO, REQUEST.
 * The MMU's records go through env_trace_reserve/env_trace_emit (env.c).
 */
#ifndef HV_CORE_TRACE_H
#define HV_CORE_TRACE_H

#include "hv/core/vendor.h"

struct vm;
struct vcpu;
struct boot_config;

void trace_init(struct vm *vm, const struct boot_config *cfg);
void trace_wait_collector(const struct boot_config *cfg);
void trace_finish(struct vm *vm);
bool trace_collector_attached(void);   /* a collector drains the rings now */

void trace_exit(struct vcpu *v, const struct exit_info *e);
void trace_hypercall(struct vcpu *v, u64 nr, u64 a0, u64 a1, s64 result);
void trace_marker(struct vcpu *v, const char *label, size_t len);
void trace_mmio(struct vcpu *v, gpa_t gpa, u64 value, u8 len, bool write, int kind);
void trace_request(u64 req, u64 vcpu_mask, bool kicked);

#endif
