/*
 * lapic: hv's own test guest (built with the guest runtime, guests/lib)
 * for what hv emulates itself: the local APIC and its fixed IPIs between
 * vCPUs, HLT woken by an interrupt, the all-ones MMIO hole and ports with
 * no device. Under hvlab only; run with vcpus >= 2 (QEMU -smp 2).
 *
 *   lapic_regs       version register (0x30) reads 0x14 in bits 7:0, ID is the CPU
 *   lapic_ipi_cpuN   AP N halts with IF=1 and is woken by a fixed IPI from CPU 0
 *   lapic_self_ipi   a self IPI (shorthand 01) is delivered to CPU 0
 *   allones_read     a read from an HC_MEM_ALLONES slot gives 0xffffffff
 *   port_no_device   inb from port 0x80 (no device) gives 0xff
 *   port_rep_ins     rep insw from port 0x80 fills the buffer with 0xff and
 *                    moves RDI and RCX as the CPU would
 *   port_rep_outs    rep outsb to port 0x80 advances RSI and clears RCX
 */
#include "guest.h"

#define IPI_VECTOR   0x40
#define REG_ID       0x20
#define REG_VERSION  0x30
#define REG_EOI      0xb0
#define REG_SVR      0xf0
#define REG_ICR_LO   0x300
#define REG_ICR_HI   0x310
#define ICR_SELF     (1u << 18)
#define HOLE_SLOT    7
#define HOLE_GPA     0x40000000ull

static volatile u32 ipis[MAX_CPUS];
static volatile u32 aps_ready, aps_done;

static bool on_ipi(struct trapframe *tf)
{
	atomic_fetch_add32(&ipis[this_cpu()], 1);
	lapic_write(REG_EOI, 0);
	return true;
}

static void enable_lapic(void)
{
	lapic_write(REG_SVR, lapic_read(REG_SVR) | 0x100);
}

/* Sleep with interrupts on until this CPU has seen an IPI. */
static void wait_ipi(int cpu)
{
	for (int i = 0; i < 1000 && !ipis[cpu]; i++)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void ap_main(int cpu)
{
	char name[32];
	enable_lapic();
	atomic_fetch_add32(&aps_ready, 1);
	wait_ipi(cpu);
	snprintf(name, sizeof(name), "lapic_ipi_cpu%d", cpu);
	CHECKF(name, ipis[cpu] == 1, "ipis %u", ipis[cpu]);
	atomic_fetch_add32(&aps_done, 1);
}

static bool wait_count(volatile u32 *count, u32 want)
{
	for (u64 i = 0; i < (1ull << 28); i++) {
		if (atomic_load32_acquire(count) >= want)
			return true;
		cpu_relax();
	}
	return false;
}

static void check_string_io(void)
{
	static u8 buf[32];
	u64 rdi = (u64)buf, rsi = (u64)buf, rcx = 8;

	__asm__ volatile("cld; rep insw" : "+D"(rdi), "+c"(rcx) : "d"(0x80) : "memory");
	int ones = 0;
	for (int i = 0; i < 16; i++)
		ones += buf[i] == 0xff;
	CHECKF("port_rep_ins", ones == 16 && buf[16] == 0 && rcx == 0 && rdi == (u64)buf + 16,
	       "%d bytes 0xff, next 0x%x, rcx %lu, rdi +%lu", ones, buf[16], rcx, rdi - (u64)buf);
	rcx = 5;
	__asm__ volatile("cld; rep outsb" : "+S"(rsi), "+c"(rcx) : "d"(0x80) : "memory");
	CHECKF("port_rep_outs", rcx == 0 && rsi == (u64)buf + 5, "rcx %lu, rsi +%lu",
	       rcx, rsi - (u64)buf);
}

static void check_mmio_and_ports(void)
{
	long r = hc_memslot_create(HOLE_SLOT, HOLE_GPA, 2 * PAGE_SIZE, HC_MEM_ALLONES);
	CHECK_EQ("allones_slot", r, 0);
	vm_map(kernel_root, HOLE_GPA, HOLE_GPA, PTE_W);
	*(volatile u32 *)(HOLE_GPA + 8) = 0x12345678;          /* dropped */
	CHECK_EQ("allones_read", *(volatile u32 *)(HOLE_GPA + 8), 0xffffffffu);
	CHECK_EQ("port_no_device", inb(0x80), 0xff);
	check_string_io();
}

int main(void)
{
	if (!guest_hv()) {
		printf("lapic: needs hvlab\n");
		return 1;
	}
	int n = (int)hc_info(HC_INFO_NR_VCPUS);
	guest_set_fault_handler(IPI_VECTOR, on_ipi);
	enable_lapic();
	CHECKF("lapic_regs", (lapic_read(REG_VERSION) & 0xff) == 0x14 && lapic_id() == 0,
	       "version 0x%x id %u", lapic_read(REG_VERSION), lapic_id());
	int started = smp_start_aps(n);
	CHECK("lapic_aps_ready", wait_count(&aps_ready, (u32)started));
	for (int cpu = 1; cpu <= started; cpu++) {
		lapic_write(REG_ICR_HI, (u32)cpu << 24);
		lapic_write(REG_ICR_LO, IPI_VECTOR);
	}
	CHECK("lapic_aps_done", wait_count(&aps_done, (u32)started));
	lapic_write(REG_ICR_LO, ICR_SELF | IPI_VECTOR);
	wait_ipi(0);
	CHECK_EQ("lapic_self_ipi", ipis[0], 1);
	check_mmio_and_ports();
	return check_exit_code();
}
