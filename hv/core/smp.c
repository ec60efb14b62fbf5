/*
 * smp.c: hv's application processors.
 *
 * The BSP copies boot/trampoline.S to physical 0x8000 and, for each AP i,
 * puts a fresh stack and the id i in entry.S's boot_ap_stack/boot_ap_id,
 * then sends INIT, SIPI, SIPI with vector 0x08 (start at 0x8000), the
 * universal startup algorithm of Intel SDM vol 3, 8.4.4.1 (AMD APM vol 2,
 * 16.5). It waits for the AP to set pcpus[i].online before starting the
 * next one, because the AP reads boot_ap_stack. QEMU numbers local APIC
 * IDs 0..N-1, so AP i has APIC ID i.
 *
 * Each AP then waits until the BSP has built the VM (vm_ready) and runs
 * vCPU i; the guest's own AP vCPUs wait there for the guest's SIPI.
 */
#include "hv/core/smp.h"
#include "hv/core/apic.h"
#include "hv/core/idt.h"
#include "hv/core/lib.h"
#include "hv/core/palloc.h"
#include "hv/core/panic.h"
#include "hv/core/pcpu.h"
#include "hv/core/vendor_select.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"

#define TRAMPOLINE_PA    0x8000
#define SIPI_VECTOR      (TRAMPOLINE_PA >> 12)
#define AP_STACK_PAGES   4

extern const char ap_tramp_start[], ap_tramp_end[];
extern volatile u64 boot_ap_stack;
extern volatile u32 boot_ap_id;

static volatile u32 stop_all;

static void delay(u64 loops)
{
	for (u64 i = 0; i < loops; i++)
		cpu_relax();
}

static bool start_ap(int i)
{
	hpa_t stack = palloc_alloc(AP_STACK_PAGES, 1);
	if (!stack)
		panic("no memory for AP %d's stack", i);
	pcpus[i].id = i;
	pcpus[i].apic_id = (u32)i;
	pcpus[i].stack_top = stack + AP_STACK_PAGES * PAGE_SIZE;
	boot_ap_id = (u32)i;
	boot_ap_stack = pcpus[i].stack_top;
	apic_send_init(pcpus[i].apic_id);
	delay(10000);
	apic_send_sipi(pcpus[i].apic_id, SIPI_VECTOR);
	delay(2000);
	if (!READ_ONCE(pcpus[i].online))
		apic_send_sipi(pcpus[i].apic_id, SIPI_VECTOR);
	for (u64 spin = 0; spin < 50000000; spin++)
		if (READ_ONCE(pcpus[i].online))
			return true;
	return false;
}

int smp_start_aps(int n)
{
	int online = 1;
	memcpy((void *)TRAMPOLINE_PA, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	for (int i = 1; i < n; i++) {
		if (!start_ap(i)) {
			printk("hv: CPU %d did not start\n", i);
			break;
		}
		online++;
	}
	boot_ap_stack = 0;
	return online;
}

void smp_stop_others(void)
{
	WRITE_ONCE(stop_all, 1);
}

/* An AP's life: come online, wait for the VM, run its vCPU, park. */
void ap_main(u32 id)
{
	struct pcpu *p = &pcpus[id];

	pcpu_init_this(p);
	idt_load();
	apic_init_this();
	WRITE_ONCE(p->online, 1);
	while (!READ_ONCE(stop_all) && !vm_ready(&the_vm))
		cpu_relax();
	if (!READ_ONCE(stop_all))
		cpu_run_vcpu(p, &the_vm.vcpus[id]);
	halt_forever();
}
