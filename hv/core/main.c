/*
 * main.c: the boot story. entry.S has switched to long mode with RAM
 * identity-mapped and calls kmain() on the boot CPU; each application
 * processor arrives in ap_main() (smp.c starts them).
 */
#include "hv/boot/multiboot.h"
#include "hv/core/apic.h"
#include "hv/core/config.h"
#include "hv/core/idt.h"
#include "hv/core/lib.h"
#include "hv/core/loader.h"
#include "hv/core/panic.h"
#include "hv/core/palloc.h"
#include "hv/core/pcpu.h"
#include "hv/core/smp.h"
#include "hv/core/trace.h"
#include "hv/core/tsc.h"
#include "hv/core/vendor_select.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"

/* The legacy 8259 PICs: mask every line, hv uses only the local APIC. */
static void pic_disable(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void kmain(u32 magic, u32 mbi_pa)
{
	struct boot_config cfg;

	console_init();                        /* COM1: hv's console */
	pcpu_init_this(&pcpus[0]);             /* GS -> this CPU's struct pcpu */
	idt_init();                            /* exceptions -> panic */
	idt_load();
	printk("\nhv: hvlab hypervisor\n");
	if (magic != MB_BOOTLOADER_MAGIC)
		panic("not started by a Multiboot loader (EAX 0x%x)", magic);
	palloc_init(mbi_pa);                   /* physical pages from the memory map */
	printk("hv: %lu MiB free for the hypervisor\n", palloc_free_pages() >> 8);
	config_parse(mbi_pa, &cfg);            /* scenario options, guest module */
	pic_disable();
	tsc_calibrate();                       /* TSC rate for trace timestamps */
	apic_init_this();
	pcpus[0].apic_id = apic_id();
	const struct vendor_ops *ops = vendor_select(cfg.mmu_mode);  /* or exit: no capability */
	vm_create(&the_vm, &cfg, ops);         /* MMU, guest RAM, vCPUs */
	trace_init(&the_vm, &cfg);             /* rings + descriptor for hvtrace collect */
	guest_load(&the_vm, &cfg);             /* ELF + Multiboot info into guest RAM */
	printk("hv: %s, mmu=%s, %d vCPU(s), %lu MiB guest RAM, TSC %lu MHz\n", ops->name,
	       cfg.mmu_mode == HVT_MMU_TDP ? "tdp" : "shadow", cfg.nr_vcpus, cfg.mem_mib,
	       tsc_hz / 1000000);
	if (smp_start_aps(cfg.nr_vcpus) < cfg.nr_vcpus) {
		printk("hv: vcpus=%d needs as many CPUs (QEMU -smp %d)\n",
		       cfg.nr_vcpus, cfg.nr_vcpus);
		hv_finish(HV_STATUS_BADCONFIG);
	}
	trace_wait_collector(&cfg);            /* so the first records are not dropped */
	__atomic_store_n(&the_vm.ready, 1, __ATOMIC_RELEASE);  /* APs may run their vCPUs */
	cpu_run_vcpu(&pcpus[0], &the_vm.vcpus[0]);   /* until the VM stops */
	vm_finish(&the_vm);                          /* wait for the others, end the run */
}
