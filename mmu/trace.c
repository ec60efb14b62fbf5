/*
 * trace.c: building and emitting trace records (trace/hvt_format.h).
 * SPTE changes reserve their seq themselves (T3, tdp_mmu.c); every other
 * record is reserved and emitted at once here.
 */
#include "mmu_int.h"

u16 op_vcpu_id(const struct mmu_op *op)
{
	return op->vcpu ? (u16)op->vcpu->id : HVT_NO_VCPU;
}

/* One record, reserved and emitted at once; returns its seq. flags: the
 * shadow MMU's PT_ALLOC / PT_FREE carry HVT_F_SHADOW, so a reader tells its
 * tables from TDP ones. */
u64 trace_flagged(u16 vcpu, u8 type, u8 reason, u8 level, u8 flags, u16 aux16,
		  u64 a, u64 b, u64 c, u64 d, u64 e)
{
	struct hvt_record rec = {
		.seq = env_trace_reserve(),
		.vcpu = vcpu, .type = type, .reason = reason, .level = level,
		.flags = flags, .aux16 = aux16, .a = a, .b = b, .c = c, .d = d, .e = e,
	};
	env_trace_emit(&rec);
	return rec.seq;
}

void trace_simple(u16 vcpu, u8 type, u8 reason, u8 level, u16 aux16,
		  u64 a, u64 b, u64 c, u64 d, u64 e)
{
	trace_flagged(vcpu, type, reason, level, 0, aux16, a, b, c, d, e);
}
