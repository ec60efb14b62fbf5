/*
 * smp: starts every other vCPU (count from HC_INFO_NR_VCPUS under hvlab,
 * from "vcpus=N" natively, e.g. with QEMU -smp N). Each AP checks that
 * its local APIC ID (and hvlab's vCPU id) is its CPU number, adds to a
 * shared counter with locked instructions and reports
 * "TEST smp_cpu<N> PASS"; the boot CPU waits for all and checks the sum.
 */
#include "guest.h"

#define ADDS_PER_CPU 100000

static volatile u64 counter;
static volatile u32 aps_done;

static void add_many(void)
{
	for (int i = 0; i < ADDS_PER_CPU; i++)
		atomic_fetch_add64(&counter, 1);
}

void ap_main(int cpu)
{
	char name[32];
	long vcpu = guest_hv() ? hc_info(HC_INFO_VCPU_ID) : cpu;
	u32 apic = lapic_id();

	add_many();
	snprintf(name, sizeof(name), "smp_cpu%d", cpu);
	CHECKF(name, apic == (u32)cpu && vcpu == cpu, "apic id %u, vcpu id %ld", apic, vcpu);
	atomic_fetch_add32(&aps_done, 1);
}

static int nr_cpus(void)
{
	if (guest_hv())
		return (int)hc_info(HC_INFO_NR_VCPUS);
	printf("smp: not under hvlab, skipping hypercall parts (vcpus= from the command line)\n");
	return (int)guest_arg_u64("vcpus", 1);
}

static bool wait_done(u32 want)
{
	for (u64 i = 0; i < (1ull << 30); i++) {
		if (atomic_load32_acquire(&aps_done) >= want)
			return true;
		cpu_relax();
	}
	return false;
}

int main(void)
{
	int n = nr_cpus();

	printf("smp: %d CPUs, starting %d APs\n", n, n - 1);
	CHECKF("smp_nr_cpus", n >= 1 && n <= MAX_CPUS, "n=%d", n);
	int started = smp_start_aps(n);
	CHECK_EQ("smp_aps_started", started, n - 1);
	add_many();
	CHECK("smp_aps_done", wait_done(started));
	CHECK_EQ("smp_counter", counter, (u64)(started + 1) * ADDS_PER_CPU);
	return check_exit_code();
}
