/*
 * smp.c: start the other CPUs (SDM Vol. 3A 9.4.4 "MP Initialization
 * Example") and give each its stack and CPU number.
 */
#include "guest.h"

#define APIC_ID      0x020
#define APIC_SVR     0x0f0
#define APIC_ICR_LO  0x300
#define APIC_ICR_HI  0x310

#define SVR_ENABLE   BIT(8)
#define ICR_BUSY     BIT(12)        /* delivery status: send pending */
#define ICR_INIT     0x00004500u    /* delivery mode INIT, level assert */
#define ICR_STARTUP  0x00004600u    /* delivery mode Start-Up, level assert */

#define TRAMP_GPA    0x8000ul
#define WAIT_LOOPS   (1ull << 27)

extern char trampoline_start[], trampoline_end[];
extern u64 tramp_cr0, tramp_cr3, tramp_cr4, tramp_efer;
extern u64 tramp_stack, tramp_cpu, tramp_entry, tramp_alive;
extern char ap_start64[];

static volatile u64 aps_online;   /* APs that reached ap_entry */

u32 lapic_read(u32 reg)
{
	return *(volatile u32 *)(LAPIC_GPA + reg);
}

void lapic_write(u32 reg, u32 value)
{
	*(volatile u32 *)(LAPIC_GPA + reg) = value;
}

u32 lapic_id(void)
{
	return lapic_read(APIC_ID) >> 24;
}

__attribute__((weak)) void ap_main(int cpu)
{
}

int smp_aps_online(void)
{
	return (int)atomic_load_acquire(&aps_online);
}

/* Called by ap_start64 on the AP's own stack. */
void ap_entry(int cpu)
{
	idt_load();
	lapic_write(APIC_SVR, lapic_read(APIC_SVR) | SVR_ENABLE | 0xff);
	atomic_fetch_add64(&aps_online, 1);  /* the trampoline data is free again */
	ap_main(cpu);
	cpu_halt_forever();
}

/* Where a field of the trampoline lives in the copy at TRAMP_GPA. */
static u64 *tramp_field(u64 *field)
{
	return (u64 *)(TRAMP_GPA + ((char *)field - trampoline_start));
}

static void install_trampoline(void)
{
	char *dst = (char *)TRAMP_GPA;

	for (char *src = trampoline_start; src < trampoline_end; src++)
		*dst++ = *src;
	*tramp_field(&tramp_cr0) = read_cr0();
	*tramp_field(&tramp_cr3) = read_cr3();
	*tramp_field(&tramp_cr4) = read_cr4();
	*tramp_field(&tramp_efer) = rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE);
	*tramp_field(&tramp_entry) = (u64)ap_start64;
}

/* Write the ICR (high half first: writing the low half sends) and wait. */
static void send_ipi(u32 apic_id, u32 icr_lo)
{
	lapic_write(APIC_ICR_HI, apic_id << 24);
	lapic_write(APIC_ICR_LO, icr_lo);
	for (u64 i = 0; i < WAIT_LOOPS && (lapic_read(APIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
}

/* Spin until *flag >= want (read with acquire), at most loops times. */
static bool wait_for(volatile u64 *flag, u64 want, u64 loops)
{
	for (u64 i = 0; i < loops; i++) {
		if (atomic_load_acquire(flag) >= want)
			return true;
		cpu_relax();
	}
	return false;
}

static volatile u64 *alive_flag(void)
{
	return tramp_field(&tramp_alive);
}

/*
 * INIT, then a SIPI (9.4.4.1). The second SIPI of the book sequence is
 * sent only if the first never reached the trampoline: a slow AP (under a
 * nested hypervisor on TCG, say) must not be started twice. Returns
 * whether the AP reached ap_entry.
 */
static bool start_one(int cpu)
{
	gpa_t stack = frames_alloc_contig(CPU_STACK_SIZE / PAGE_SIZE, CPU_STACK_SIZE);
	u64 want = (u64)smp_aps_online() + 1;

	if (!stack)
		return false;
	*(volatile u32 *)stack = cpu;                     /* this_cpu() for that stack */
	*tramp_field(&tramp_stack) = stack + CPU_STACK_SIZE;
	*tramp_field(&tramp_cpu) = cpu;
	*alive_flag() = 0;
	send_ipi(cpu, ICR_INIT);
	wait_for(alive_flag(), 1, 1 << 16);               /* stands in for the 10 ms delay */
	for (int sipi = 0; sipi < 2 && !*alive_flag(); sipi++) {
		send_ipi(cpu, ICR_STARTUP | (TRAMP_GPA >> PAGE_SHIFT));
		wait_for(alive_flag(), 1, WAIT_LOOPS);
	}
	return wait_for(&aps_online, want, WAIT_LOOPS);
}

int smp_start_aps(int n)
{
	if (n > MAX_CPUS)
		n = MAX_CPUS;
	if (!gpa_is_ram(TRAMP_GPA)) {
		printf("smp: 0x%lx is not RAM, cannot place the trampoline\n", TRAMP_GPA);
		return 0;
	}
	install_trampoline();
	lapic_write(APIC_SVR, lapic_read(APIC_SVR) | SVR_ENABLE | 0xff);
	for (int cpu = 1; cpu < n; cpu++)
		if (!start_one(cpu))
			printf("smp: cpu %d did not start\n", cpu);
	return smp_aps_online();
}
