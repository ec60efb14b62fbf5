/*
 * smp32.c: start paging32's other CPUs (smp32.h) the way guests/lib/smp.c
 * does for the 64-bit guests (SDM Vol. 3A 9.4.4 "MP Initialization
 * Example"), but from 32-bit code with paging on, into ap32.S's 32-bit
 * trampoline.
 */
#include "smp32.h"
#include "include/hvlab/hypercall.h"

#define APIC_ID      0x020
#define APIC_SVR     0x0f0
#define APIC_ICR_LO  0x300
#define APIC_ICR_HI  0x310

#define SVR_ENABLE   BIT32(8)
#define ICR_BUSY     BIT32(12)      /* delivery status: send pending */
#define ICR_INIT     0x00004500u    /* delivery mode INIT, level assert */
#define ICR_STARTUP  0x00004600u    /* delivery mode Start-Up, level assert */

#define AP32_TRAMP_GPA 0x8000u      /* = SIPI vector 0x08 << 12; ap32.S */
#define WAIT_LOOPS   (1u << 28)

/* PCD | PWT: the APIC page is not cacheable (SDM Vol. 3A 11.4.1). */
#define PTE_PWT BIT64(3)
#define PTE_PCD BIT64(4)

extern char ap32_tramp_start[], ap32_tramp_end[], ap32_start[];
extern u32 ap32_cr0, ap32_cr3, ap32_cr4, ap32_efer_lo;
extern u32 ap32_stack, ap32_cpu, ap32_target, ap32_alive;
void ap32_entry(u32 cpu);

/* Every AP's stack: 16 KiB-aligned, CPU number in the lowest word
 * (this_cpu32(), rt32.h). Slot 0 is unused: the boot CPU has entry.S's. */
static u8 ap_stacks[MAX_CPUS32][CPU_STACK32] __attribute__((aligned(CPU_STACK32)));
static volatile u32 aps_online;     /* APs that reached ap32_entry */

_Static_assert((CPU_STACK32 & (CPU_STACK32 - 1)) == 0, "this_cpu32() masks ESP: a power of two");

static u32 lapic_read(u32 reg) { return *(volatile u32 *)(LAPIC32_GPA + reg); }
static void lapic_write(u32 reg, u32 v) { *(volatile u32 *)(LAPIC32_GPA + reg) = v; }

u32 lapic_id32(void) { return lapic_read(APIC_ID) >> 24; }

u32 smp32_nr_cpus(void)
{
	if (under_hv()) {
		long n = hc32(HC_INFO, HC_INFO_NR_VCPUS, 0, 0, 0);
		if (n < 1) {
			printf32("paging32: hv reports %ld vCPUs (HC_INFO_NR_VCPUS): check hv's vcpus=\n", n);
			return 0;
		}
		return (u32)n;
	}
	const char *v = cmdline32_value("vcpus");
	if (!v)
		return 1;
	u32 n = 0;
	for (; *v >= '0' && *v <= '9'; v++)
		n = n * 10 + (u32)(*v - '0');
	if (n == 0 || (*v && *v != ' ')) {
		printf32("paging32: bad vcpus= on the command line: give the number of CPUs "
			 "(QEMU's -smp), 1..%u\n", MAX_CPUS32);
		return 0;
	}
	return n;
}

/* Called by ap32.S's ap32_start on the AP's own stack. */
void ap32_entry(u32 cpu)
{
	lapic_write(APIC_SVR, lapic_read(APIC_SVR) | SVR_ENABLE | 0xff);
	/* The trampoline's data words are free again once we are counted. */
	__atomic_fetch_add(&aps_online, 1, __ATOMIC_SEQ_CST);
	ap_main32(cpu);
}

/* Where a word of the trampoline lives in the copy at AP32_TRAMP_GPA. */
static volatile u32 *tramp_word(u32 *field)
{
	return (volatile u32 *)(AP32_TRAMP_GPA + ((char *)field - ap32_tramp_start));
}

static void install_trampoline(void)
{
	/* It must fit in its page below the image, which starts at 1 MiB. */
	if (ap32_tramp_end - ap32_tramp_start > (int)PAGE32) {
		printf32("paging32: the AP trampoline is %d bytes, more than its page\n",
			 (int)(ap32_tramp_end - ap32_tramp_start));
		guest32_exit(3);
	}
	memcpy((void *)AP32_TRAMP_GPA, ap32_tramp_start, (size_t)(ap32_tramp_end - ap32_tramp_start));
	*tramp_word(&ap32_cr0) = read_cr0();
	*tramp_word(&ap32_cr3) = read_cr3();
	*tramp_word(&ap32_cr4) = read_cr4();
	/* EFER exists when CPUID says NX or long mode (80000001H:EDX[20], [29]);
	 * of its bits a 32-bit guest only sets NXE (main32.c, PAE with XD). */
	u32 efer_nxe = 0;
	if (cpuid32(0x80000000, 0).eax >= 0x80000001 &&
	    (cpuid32(0x80000001, 0).edx & (BIT32(20) | BIT32(29))))
		efer_nxe = (u32)(rdmsr(MSR_EFER) & EFER_NXE);
	*tramp_word(&ap32_efer_lo) = efer_nxe;
	*tramp_word(&ap32_target) = (u32)ap32_start;
}

/* Write the ICR (high half first: writing the low half sends) and wait. */
static void send_ipi(u32 apic_id, u32 icr_lo)
{
	lapic_write(APIC_ICR_HI, apic_id << 24);
	lapic_write(APIC_ICR_LO, icr_lo);
	for (u32 i = 0; i < WAIT_LOOPS && (lapic_read(APIC_ICR_LO) & ICR_BUSY); i++)
		__asm__ volatile("pause");
}

static bool wait_for(volatile u32 *flag, u32 want, u32 loops)
{
	for (u32 i = 0; i < loops; i++) {
		if (*flag >= want)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

/*
 * INIT, then a SIPI; a second SIPI only if the first never reached the
 * trampoline (a slow AP, under a nested hypervisor on TCG, must not be
 * started twice). Returns whether the AP reached ap32_entry.
 */
static bool start_one(u32 cpu)
{
	u32 want = aps_online + 1;
	volatile u32 *alive = tramp_word(&ap32_alive);

	*(volatile u32 *)ap_stacks[cpu] = cpu;                /* this_cpu32() on it */
	*tramp_word(&ap32_stack) = (u32)ap_stacks[cpu] + CPU_STACK32;
	*tramp_word(&ap32_cpu) = cpu;
	*alive = 0;
	send_ipi(cpu, ICR_INIT);
	wait_for(alive, 1, 1u << 16);                         /* stands in for the 10 ms delay */
	for (int sipi = 0; sipi < 2 && !*alive; sipi++) {
		send_ipi(cpu, ICR_STARTUP | (AP32_TRAMP_GPA >> 12));
		wait_for(alive, 1, WAIT_LOOPS);
	}
	return wait_for(&aps_online, want, WAIT_LOOPS);
}

u32 smp32_start(u32 n, struct aspace *const *spaces, u32 nr_spaces)
{
	for (u32 i = 0; i < nr_spaces; i++)
		as_map(spaces[i], LAPIC32_GPA, LAPIC32_GPA, PTE_P | PTE_RW | PTE_PCD | PTE_PWT, false);
	install_trampoline();
	lapic_write(APIC_SVR, lapic_read(APIC_SVR) | SVR_ENABLE | 0xff);
	for (u32 cpu = 1; cpu < n; cpu++)
		if (!start_one(cpu))
			printf32("paging32: cpu %u did not start\n", cpu);
	return aps_online;
}
