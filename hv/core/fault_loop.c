/*
 * fault_loop.c: a fault the MMU keeps "fixing" and the CPU keeps raising.
 *
 * When the MMU handles a guest #PF (mmu=shadow) or a nested fault (#NPF /
 * EPT violation, mmu=tdp) and answers FIXED or SPURIOUS, hv re-enters the
 * guest, which re-executes the faulting instruction. If the SPTE the MMU
 * installed does not in fact allow the access (a walker rule too lax, as
 * in lab 02's wrong answers: SMEP not applied, CR0.WP ignored, U/S not
 * checked), the CPU raises the very same fault again, the MMU "fixes" it
 * again, and so on forever. KVM has the same shape of bug and simply
 * spins; hvlab is a teaching tool and must never hang (the project rule:
 * a bad state gives a clear message and a non-zero exit), so it counts.
 *
 * What is counted, per vCPU: consecutive exits that are the SAME fault
 * (same kind, guest RIP, fault address and error code) with the MMU saying
 * fixed or spurious each time, and NO other exit in between (vcpu->exits
 * advances by exactly one from one to the next). At FAULT_LOOP_LIMIT
 * (10 000) the VM is stopped as guest-fatal, status 112, through vm_stop:
 * the run then ends like every other one (vm_finish tears the VM down and
 * closes the trace; hv/README.md "The end of a run").
 *
 * Why a correct MMU never gets there. A translation that caused a fault is
 * not kept in the TLB (SDM Vol. 3A 4.10.4.2 for #PF; the same for EPT
 * violations and #NPF), so the re-executed instruction walks the SPTEs
 * again: if the SPTE the MMU installed allowed the access, the CPU does
 * not fault again. A legitimate repeat needs something to undo the fix
 * between the re-entry and the access: another vCPU zapping the SPTE or
 * editing the guest's tables (racing zaps, write-protection, unsync). That
 * can happen a few times in a row, never 10 000 times in lock step: the
 * faulting vCPU makes progress as soon as one re-entry wins, and a zap that
 * lands while it is in guest mode kicks it out with an external-interrupt
 * exit, which breaks the streak. Faults the MMU answers otherwise (RETRY
 * after a lost race, INJECT, EMULATE, MMIO) are not counted either: they
 * also break the streak.
 *
 * What it costs: one compare per fault. 10 000 faults take well under a
 * second even under QEMU TCG (measured in hv/test/livelock-check.sh), far
 * below the run scripts' time limits.
 *
 * The report: one "hv: vCPU N: the MMU keeps fixing a fault the CPU keeps
 * raising ..." line with the fault (kind, address, error code decoded, RIP)
 * and the leaf SPTE the vCPU runs on for that address, read from its root
 * without the MMU lock: the vCPU is outside guest mode between
 * mmu_vcpu_exit_guest and its next entry, so no table it can reach is
 * freed meanwhile (mmu/DESIGN.md L2, the fast path's rule; the shadow MMU
 * retires its pages through the same QSBR path, mmu/SHADOW.md 5.9). A
 * trace marker "fault livelock" is emitted right before the stop, after
 * the 10 000 fault records that show the loop.
 */
#include "hv/core/fault_loop.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/trace.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"
#include "mmu/env.h"
#include "mmu/mmu.h"
#include "mmu/spte_decode.h"

/* Per vCPU, touched by its own physical CPU only. */
struct fault_streak {
	u64  exit_no;       /* vcpu->exits at the last fault counted */
	u64  rip;
	u64  addr;
	u32  error;
	u32  kind;
	u32  count;         /* identical consecutive fixed faults so far */
	u32  answers;       /* BIT(0): the MMU said fixed, BIT(1): spurious */
};
static struct fault_streak streaks[HVT_MAX_CPUS];

/* Error-code bits (MMU_PF_*, the #PF layout) in words: "user fetch,
 * present". U/S only for a guest #PF: a nested fault's access is the
 * guest's, whatever its CPL (NPT reports every access as user). */
static void error_words(u32 error, bool guest_pf, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s, %s%s",
		 guest_pf ? (error & MMU_PF_USER ? "user " : "supervisor ") : "",
		 error & MMU_PF_FETCH ? "fetch" : error & MMU_PF_WRITE ? "write" : "read",
		 error & MMU_PF_RSVD ? ", reserved bit" : "",
		 error & MMU_PF_PRESENT ? "present" : "not present",
		 error & MMU_PF_MISCONFIG ? ", misconfig" : "");
}

/*
 * The leaf SPTE for addr under root: the entry where the hardware walk
 * stops (a not-present entry, a large page, or the 4 KiB PTE). Returns the
 * level (1 = 4 KiB) and the entry in *spte; 0 if there is no root.
 * top_level 3 is a PAE root (its PDPT is 32-byte aligned, 4 entries: the
 * index of a 32-bit address is bits 31:30, as level 3's bits 38:30 are).
 */
static int leaf_spte(const struct hvt_spte_format *fmt, hpa_t root, int top_level,
		     u64 addr, u64 *spte)
{
	/* What the CPU treats as present: EPT R/W/X, x86 P. */
	u64 hw_present = fmt->format == 1 ? 7 : 1;
	hpa_t table = top_level == 3 ? root & ~0x1full : root & fmt->pfn_mask;

	if (!root)
		return 0;
	for (int level = top_level; level >= 1; level--) {
		const u64 *t = env_hpa_to_va(table);
		u64 e = __atomic_load_n(&t[(addr >> (12 + 9 * (level - 1))) & 511], __ATOMIC_RELAXED);

		*spte = e;
		if (!(e & hw_present) || level == 1 || (e & fmt->huge_mask))
			return level;
		table = e & fmt->pfn_mask;
	}
	return 1;
}

static void report(struct vcpu *v, const struct fault_streak *s, hpa_t shadow_root)
{
	struct hvt_spte_format fmt;
	char err[64], rights[96];
	bool shadow = s->kind == EXIT_PF;
	int top, level;
	u64 spte = 0;

	mmu_describe_format(v->vm->mmu, &fmt);
	if (shadow)   /* long-mode guests run on a 4-level root, the others on PAE */
		top = (v->vm->ops->get_cr(v, 8) & EFER_LMA) ? 4 : 3;
	else
		top = (int)fmt.levels;
	level = leaf_spte(&fmt, shadow ? shadow_root : v->tdp_root, top, s->addr, &spte);
	error_words(s->error, shadow, err, sizeof(err));
	spte_decode(&fmt, spte, level, rights, sizeof(rights));   /* the shared decoder */
	trace_marker(v, "fault livelock", 14);
	vm_stop(v->vm, HV_STATUS_VM_ERROR,
		"vCPU %d: the MMU keeps fixing a fault the CPU keeps raising: %s at %s 0x%lx "
		"(error 0x%x: %s) at rip 0x%lx came back %u times in a row, the MMU answering %s each time; "
		"the SPTE it installs (level %d: 0x%lx, %s) does not allow this access%s",
		v->id, shadow ? "#PF" : (fmt.format == 1 ? "EPT violation" : "#NPF"),
		shadow ? "gva" : "gpa", s->addr, s->error, err, s->rip, s->count,
		s->answers == BIT(0) ? "\"fixed\"" : s->answers == BIT(1) ? "\"spurious\""
		: "\"fixed\" or \"spurious\"",
		level, spte, rights,
		shadow ? " (the guest walk allowed it: check its access-rights rule, SDM 4.6)" : "");
}

bool fault_loop_check(struct vcpu *v, enum exit_kind kind, u64 addr, u32 error,
		      bool spurious, hpa_t shadow_root)
{
	struct fault_streak *s = &streaks[v->id];
	u64 rip = v->regs.rip;

	if (s->exit_no + 1 == v->exits && s->kind == (u32)kind && s->addr == addr &&
	    s->error == error && s->rip == rip) {
		s->count++;
	} else {
		*s = (struct fault_streak){ .rip = rip, .addr = addr, .error = error,
					    .kind = (u32)kind, .count = 1 };
	}
	s->exit_no = v->exits;
	s->answers |= spurious ? BIT(1) : BIT(0);
	if (s->count < FAULT_LOOP_LIMIT)
		return false;
	report(v, s, shadow_root);
	return true;
}
