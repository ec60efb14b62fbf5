/*
 * user.c: the TSS and mappings that let the guest run a stub in ring 3.
 *
 * A 64-bit TSS (SDM Vol. 3A 8.7 "Task Management in 64-bit Mode") holds
 * RSP0, the stack the CPU switches to when an interrupt or exception
 * arrives in ring 3; its descriptor is a 16-byte system descriptor
 * (type 0x9, "available 64-bit TSS") in the GDT at SEL_TSS.
 */
#include "guest.h"
#include "user.h"

struct tss64 {
	u32 reserved0;
	u64 rsp0, rsp1, rsp2;   /* rsp0 is written by user_enter */
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;         /* = sizeof: no I/O permission bitmap */
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");
_Static_assert(__builtin_offsetof(struct tss64, rsp0) == 4, "user_asm.S writes tss+4");

struct tss64 tss __attribute__((aligned(16)));

extern u64 gdt64[];
extern char user_stubs_start[], user_stubs_end[];
extern const u64 user_stub_offsets[3];
extern u64 probe_resume_rip, probe_resume_rsp;
u64 user_enter(u64 user_rip, u64 user_rsp, gva_t gva, u64 value);

#define USER_STACK_GVA (USER_GVA + BIT(20))

static bool ready;

static void load_tss(void)
{
	u64 base = (u64)&tss, limit = sizeof(tss) - 1;

	tss.iomap_base = sizeof(tss);
	gdt64[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			     (0x89ull << 40) |                 /* P, type 9 */
			     (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt64[SEL_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" :: "r"((u16)SEL_TSS));
}

/* INT 0x80 from a stub: back to ring 0 where user_enter left off. */
static bool on_user_return(struct trapframe *tf)
{
	tf->rip = probe_resume_rip;
	tf->rsp = probe_resume_rsp;
	tf->cs = 0x08;
	tf->ss = 0x10;
	return true;
}

void user_init(void)
{
	if (ready)
		return;
	load_tss();
	for (char *p = user_stubs_start; p < user_stubs_end; p += PAGE_SIZE)
		vm_map(kernel_root, USER_GVA + (p - user_stubs_start), (gpa_t)p, PTE_U);
	vm_map(kernel_root, USER_STACK_GVA, frame_alloc(), PTE_U | PTE_W);
	idt_allow_user(USER_RETURN_VECTOR);
	guest_set_fault_handler(USER_RETURN_VECTOR, on_user_return);
	ready = true;
}

u64 user_run(enum user_op op, gva_t gva, u64 value)
{
	user_init();
	return user_enter(USER_GVA + user_stub_offsets[op], USER_STACK_GVA + PAGE_SIZE,
			  gva, value);
}
