/*
 * stress: every vCPU faults in and rewrites its own slice of one shared
 * region, round after round, while the boot CPU (under hvlab) zaps and
 * ages the whole region between rounds: the MMU's parallel fault path,
 * zaps under the vCPUs' feet (seed 001) and A/D races (seed 004). Each
 * CPU checks every value it reads back: "TEST stress_cpu<N> PASS".
 *
 *   pages=N    pages per CPU (default 64)
 *   rounds=N   rounds (default 20)
 *   vcpus=N    CPUs natively (under hvlab: HC_INFO_NR_VCPUS)
 *   calm       no zap and no aging (a baseline)
 */
#include "guest.h"

static gpa_t region;
static u64 pages_per_cpu, rounds;
static volatile u64 round_now;          /* the round the boot CPU has opened */
static volatile u64 cpus_done_round;    /* CPUs done with the current round */
static volatile u32 cpus_finished;

static u64 pattern(int cpu, u64 round, u64 page)
{
	return ((u64)cpu << 48) | (round << 24) | page;
}

/* One round over this CPU's slice: write every page, then read it back. */
static u64 do_round(int cpu, u64 round)
{
	volatile u64 *slice = (volatile u64 *)(region + cpu * pages_per_cpu * PAGE_SIZE);
	u64 bad = 0;

	for (u64 p = 0; p < pages_per_cpu; p++)
		slice[p * 512 + (u64)cpu] = pattern(cpu, round, p);
	for (u64 p = 0; p < pages_per_cpu; p++)
		bad += slice[p * 512 + (u64)cpu] != pattern(cpu, round, p);
	return bad;
}

static void run_rounds(int cpu)
{
	char name[32];
	u64 bad = 0;

	for (u64 r = 1; r <= rounds; r++) {
		while (atomic_load_acquire(&round_now) < r)
			cpu_relax();
		bad += do_round(cpu, r);
		atomic_fetch_add64(&cpus_done_round, 1);
	}
	snprintf(name, sizeof(name), "stress_cpu%d", cpu);
	CHECKF(name, bad == 0, "%lu of %lu reads wrong", bad, rounds * pages_per_cpu);
	atomic_fetch_add32(&cpus_finished, 1);
}

void ap_main(int cpu)
{
	run_rounds(cpu);
}

/* Between rounds, with every CPU idle or still working: zap and age. */
static void disturb(u64 npages)
{
	if (!guest_hv() || guest_arg("calm"))
		return;
	hc_zap_range(region >> PAGE_SHIFT, npages);
	hc_age_range(region >> PAGE_SHIFT, npages);
}

/* The boot CPU opens each round, disturbs the MMU while the round runs, and works its own slice. */
static void drive(int ncpus)
{
	u64 npages = ncpus * pages_per_cpu;
	u64 bad = 0;

	for (u64 r = 1; r <= rounds; r++) {
		atomic_store_release(&round_now, r);
		disturb(npages);
		bad += do_round(0, r);
		atomic_fetch_add64(&cpus_done_round, 1);
		while (atomic_load_acquire(&cpus_done_round) < r * ncpus)
			cpu_relax();
	}
	CHECKF("stress_cpu0", bad == 0, "%lu of %lu reads wrong", bad, rounds * pages_per_cpu);
	atomic_fetch_add32(&cpus_finished, 1);
}

int main(void)
{
	int ncpus = guest_hv() ? (int)hc_info(HC_INFO_NR_VCPUS) : (int)guest_arg_u64("vcpus", 1);

	if (!guest_hv())
		printf("stress: not under hvlab, skipping hypercall parts (zap, age, markers)\n");
	pages_per_cpu = guest_arg_u64("pages", 64);
	rounds = guest_arg_u64("rounds", 20);
	region = frames_alloc_contig(ncpus * pages_per_cpu, PAGE_SIZE_2M);
	if (!CHECKF("stress_alloc", region != 0, "%d CPUs x %lu pages", ncpus, pages_per_cpu))
		return 1;
	if (guest_hv())
		hc_marker("stress:begin");
	int started = smp_start_aps(ncpus);
	CHECK_EQ("stress_aps_started", started, ncpus - 1);
	drive(started + 1);
	while (atomic_load32_acquire(&cpus_finished) < (u32)started + 1)
		cpu_relax();
	if (guest_hv())
		hc_marker("stress:end");
	return check_exit_code();
}
