/*
 * test_vlapic.c: host unit test of the emulated local APIC (hv/core/vlapic.c):
 * register reads after reset, interrupt priority (IRR / ISR / TPR / SVR),
 * EOI, and ICR delivery (fixed, INIT, SIPI, shorthands) between vCPUs.
 * One "TEST hv.vlapic.<name> PASS|FAIL file:line detail" line per check.
 * vcpu_make_request is stubbed: it records which vCPUs were asked.
 */
#include <stdio.h>
#include <string.h>
#include "hv/core/request.h"
#include "hv/core/vlapic.h"
#include "hv/core/vm.h"

struct vm the_vm;
static u64 requested;                       /* bit i: vCPU i got a request */

void vcpu_make_request(struct vcpu *v, u64 req) { requested |= BIT(v->id); }

static int fails;

static void check(const char *name, bool ok, int line, u64 got, u64 want)
{
	fails += !ok;
	printf("TEST hv.vlapic.%s %s %s:%d got 0x%llx want 0x%llx\n", name, ok ? "PASS" : "FAIL",
	       __FILE__, line, (unsigned long long)got, (unsigned long long)want);
}
#define CHECK_EQ(name, got, want) check(name, (u64)(got) == (u64)(want), __LINE__, got, want)

static void setup(int n)
{
	memset(&the_vm, 0, sizeof(the_vm));
	the_vm.nr_vcpus = n;
	for (int i = 0; i < n; i++) {
		the_vm.vcpus[i].id = i;
		the_vm.vcpus[i].vm = &the_vm;
		vlapic_reset(&the_vm.vcpus[i]);
	}
	requested = 0;
}

static void test_registers(void)
{
	setup(2);
	struct vcpu *v1 = &the_vm.vcpus[1];
	CHECK_EQ("id", vlapic_read(v1, 0x20), 1u << 24);
	CHECK_EQ("version", vlapic_read(v1, 0x30) & 0xff, 0x14);
	CHECK_EQ("svr_reset", vlapic_read(v1, 0xf0), 0xff);
	CHECK_EQ("lvt_masked", vlapic_read(v1, 0x350), 1u << 16);
	vlapic_write(v1, 0x350, 0x700);
	CHECK_EQ("lvt_write", vlapic_read(v1, 0x350), 0x700);
}

static void test_priority(void)
{
	setup(1);
	struct vcpu *v = &the_vm.vcpus[0];
	vlapic_post(v, 0x40);
	CHECK_EQ("disabled_svr_blocks", vlapic_pending_vector(v), -1);
	vlapic_write(v, 0xf0, 0x1ff);
	CHECK_EQ("pending", vlapic_pending_vector(v), 0x40);
	CHECK_EQ("irr_read", vlapic_read(v, 0x200 + 0x10 * (0x40 / 32)), 1u << (0x40 % 32));
	vlapic_accept(v, 0x40);
	CHECK_EQ("accepted", vlapic_pending_vector(v), -1);
	CHECK_EQ("isr_read", vlapic_read(v, 0x100 + 0x10 * (0x40 / 32)), 1u << (0x40 % 32));
	vlapic_post(v, 0x35);
	CHECK_EQ("lower_class_waits", vlapic_pending_vector(v), -1);
	vlapic_write(v, 0xb0, 0);
	CHECK_EQ("after_eoi", vlapic_pending_vector(v), 0x35);
	vlapic_write(v, 0x80, 0x40);
	CHECK_EQ("tpr_masks", vlapic_pending_vector(v), -1);
	vlapic_write(v, 0x80, 0);
	vlapic_post(v, 0x90);
	CHECK_EQ("highest_first", vlapic_pending_vector(v), 0x90);
}

static void test_icr(void)
{
	setup(3);
	struct vcpu *v0 = &the_vm.vcpus[0];
	vlapic_write(v0, 0x310, 2u << 24);
	vlapic_write(v0, 0x300, 0x4051);                       /* fixed, vector 0x51 */
	CHECK_EQ("fixed_irr", the_vm.vcpus[2].lapic.irr[1], BIT(0x51 - 64));
	CHECK_EQ("fixed_kicked", requested, BIT(2));
	CHECK_EQ("fixed_not_others", the_vm.vcpus[1].lapic.irr[1], 0);
	vlapic_write(v0, 0x310, 1u << 24);
	vlapic_write(v0, 0x300, 0x4500);                       /* INIT assert */
	CHECK_EQ("init", the_vm.vcpus[1].lapic.init_pending, 1);
	vlapic_write(v0, 0x300, 0x4608);                       /* SIPI vector 8 */
	CHECK_EQ("sipi", the_vm.vcpus[1].lapic.sipi_pending, 1);
	CHECK_EQ("sipi_vector", the_vm.vcpus[1].lapic.sipi_vector, 8);
	requested = 0;
	vlapic_write(v0, 0x300, (3u << 18) | 0x4060);          /* all but self */
	CHECK_EQ("all_but_self", requested, BIT(1) | BIT(2));
	CHECK_EQ("not_self", v0->lapic.irr[1], 0);
	vlapic_write(v0, 0x300, (1u << 18) | 0x4061);          /* self */
	CHECK_EQ("self", v0->lapic.irr[1], BIT(0x61 - 64));
	CHECK_EQ("icr_idle", vlapic_read(v0, 0x300) & (1u << 12), 0);
}

int main(void)
{
	test_registers();
	test_priority();
	test_icr();
	return fails != 0;
}
