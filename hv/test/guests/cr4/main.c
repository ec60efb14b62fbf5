/*
 * cr4: hv's test guest for CR4 writes (hv/core/cr.c). Setting a bit the
 * guest's CPUID does not advertise must raise #GP (CR4.VMXE: hv hides VMX);
 * a supported bit (PGE) must be set.
 *
 *   cr4_vmxe_gp      MOV to CR4 with VMXE raises #GP(0) and leaves CR4 alone
 *   cr4_pge_set      MOV to CR4 with PGE works; CR4 reads it back
 */
#include "guest.h"

#define CR4_PGE   BIT(7)
#define CR4_VMXE  BIT(13)

static volatile int gp_count;
static volatile u64 gp_error;

/* MOV %rax, %cr4 is 0F 22 E0: three bytes to step over. */
static bool on_gp(struct trapframe *tf)
{
	gp_count++;
	gp_error = tf->error;
	tf->rip += 3;
	return true;
}

static void mov_to_cr4(u64 v)
{
	__asm__ volatile(".byte 0x0f, 0x22, 0xe0" :: "a"(v) : "memory");   /* mov %rax, %cr4 */
}

static u64 get_cr4(void)
{
	u64 v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

int main(void)
{
	u64 cr4 = get_cr4();

	guest_set_fault_handler(VEC_GP, on_gp);
	mov_to_cr4(cr4 | CR4_VMXE);
	CHECKF("cr4_vmxe_gp", gp_count == 1 && gp_error == 0 && get_cr4() == cr4,
	       "#GP %d error 0x%lx cr4 0x%lx (was 0x%lx)", gp_count, gp_error, get_cr4(), cr4);
	mov_to_cr4(cr4 | CR4_PGE);
	CHECKF("cr4_pge_set", gp_count == 1 && (get_cr4() & CR4_PGE),
	       "#GP %d cr4 0x%lx", gp_count, get_cr4());
	mov_to_cr4(cr4);
	return check_exit_code();
}
