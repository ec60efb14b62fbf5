/*
 * vmx_ept.c: the VMX side of EPT and of the guest TLB (SDM Vol. 3C, ch. 28).
 * The EPT tables themselves belong to the portable MMU (mmu/, format
 * MMU_FORMAT_EPT); this file only points the CPU at them, translates EPT
 * violations into MMU_PF_* error codes, and invalidates cached translations.
 *
 * EPTP (24.6.11):
 *
 *   63      52 51                       12 11  7  6   5  3  2  0
 *   +---------+---------------------------+-----+---+-----+-----+
 *   |    0    | PML4 table hpa            |  0  |A/D| PWL | MT  |
 *   +---------+---------------------------+-----+---+-----+-----+
 *     MT  = 6 (write-back)   PWL = walk length - 1 = 3   A/D = 1 to enable
 *
 * Which translations VMX caches and how to drop them (28.3):
 *   - guest-physical (EPT-tagged): INVEPT single-context for our EPTP;
 *   - linear and combined (VPID-tagged): INVVPID single-context or one
 *     address; without VPID every entry and exit flushes them anyway.
 */
#include "hv/vmx/vmx.h"
#include "hv/core/panic.h"
#include "mmu/mmu.h"

#define EPTP_MT_WB      6ull
#define EPTP_WALK_4     (3ull << 3)
#define EPTP_AD         BIT(6)

u64 vmx_make_eptp(hpa_t root, bool ad)
{
	u64 eptp = (root & GENMASK(51, 12)) | EPTP_MT_WB | EPTP_WALK_4;
	if (ad && vmx_caps.ept_ad)
		eptp |= EPTP_AD;
	return eptp;
}

/* EPT-violation exit qualification (Table 27-7):
 *   bit 0 data read       bit 3 the gpa was readable
 *   bit 1 data write      bit 4 ... writable
 *   bit 2 insn fetch      bit 5 ... executable     bit 7 linear address valid
 * Bits 3-5 are the AND of the permissions along the walk; if any is set a
 * translation existed and the fault is about permissions: MMU_PF_PRESENT.
 * EPT has no user bit: the MMU gets the guest's privilege level instead. */
u32 vmx_ept_error(u64 qual, bool user)
{
	u32 err = 0;
	if (qual & BIT(1))
		err |= MMU_PF_WRITE;
	if (qual & BIT(2))
		err |= MMU_PF_FETCH;
	if (qual & (BIT(3) | BIT(4) | BIT(5)))
		err |= MMU_PF_PRESENT;
	if (user)
		err |= MMU_PF_USER;
	return err;
}

/* Drop every guest translation of this vCPU, or only those for one gva.
 * With VPID: INVVPID (single address when asked and supported, else single
 * context, else all contexts); plus INVEPT single-context when all are
 * flushed, since guest-physical mappings are tagged by EPTP, not VPID (28.3.1).
 * Without VPID, linear translations die at every VM entry and exit (28.3.3.1),
 * so only the EPT-tagged ones need INVEPT. */
void vmx_flush_guest_tlb(struct vcpu *v, bool all, gva_t gva)
{
	struct vmx_vcpu *vv = to_vmx(v);
	const u64 cap = vmx_caps.ept_vpid;

	vmx_load(vv);
	if (vmx_caps.vpid) {
		int rc;
		if (!all && (cap & VPID_CAP_INVVPID_ADDR))
			rc = invvpid(INVVPID_ADDRESS, vv->vpid, gva);
		else if (cap & VPID_CAP_INVVPID_SINGLE)
			rc = invvpid(INVVPID_SINGLE_CONTEXT, vv->vpid, 0);
		else
			rc = invvpid(INVVPID_ALL_CONTEXT, 0, 0);
		if (rc)
			panic("vmx: INVVPID failed (vpid %u, gva 0x%lx)", vv->vpid, gva);
		if (!all)
			return;
	}
	if (vv->eptp && (cap & EPT_CAP_INVEPT)) {
		int rc = (cap & EPT_CAP_INVEPT_SINGLE)
			? invept(INVEPT_SINGLE_CONTEXT, vv->eptp)
			: invept(INVEPT_ALL_CONTEXT, 0);
		if (rc)
			panic("vmx: INVEPT failed (EPTP 0x%lx)", vv->eptp);
	}
}
