/*
 * badcall: malformed hypercalls. Each must come back as an HC_E* error
 * (include/hvlab/hypercall.h: "A bad argument ... returns an error to the
 * guest ... it never stops or crashes the hypervisor"); the guest then
 * makes one last CONSOLE_WRITE with a garbage pointer and exits 0 if every
 * error came back as expected. Natively there is nothing to call: skips.
 *
 * Words: fatal=1 (see fail_like_a_program), exit=N (HC_EXIT with code N
 * first thing: hv must refuse a code above HC_EXIT_CODE_MAX as guest-fatal,
 * so that exit=114 can never pass for an hv panic).
 */
#include "guest.h"

#define GARBAGE_PTR 0xdead0000deadbeefull
#define FAR_GPA     BIT(40)              /* no guest has 1 TiB of RAM */

static char buf[64] = "badcall: this text must never be printed\n";

#define CHECK_RC(name, call, want) ({ \
	long rc_ = (call); \
	CHECKF(name, rc_ == (want), "%s: got %ld (%s) want %s", #call, rc_, \
	       hc_strerror(rc_), hc_strerror(want)); \
})

static void unknown_numbers(void)
{
	CHECK_RC("badcall_nr_zero", hc_call(0, 0, 0, 0, 0), HC_ENOSYS);
	CHECK_RC("badcall_nr_max", hc_call(HC_NR_MAX, 0, 0, 0, 0), HC_ENOSYS);
	CHECK_RC("badcall_nr_huge", hc_call(0x12345678, 0, 0, 0, 0), HC_ENOSYS);
	CHECK_RC("badcall_nr_negative", hc_call(~0ull, 0, 0, 0, 0), HC_ENOSYS);
}

static void bad_buffers(void)
{
	gpa_t ram_end = bootinfo.ram_top;

	CHECK_RC("badcall_console_far_gpa", hc_call(HC_CONSOLE_WRITE, FAR_GPA, 16, 0, 0), HC_EFAULT);
	CHECK_RC("badcall_console_straddle", hc_call(HC_CONSOLE_WRITE, ram_end - 16, 64, 0, 0), HC_EFAULT);
	CHECK_RC("badcall_console_too_long", hc_console_write(buf, 4097), HC_EINVAL);
	CHECK_RC("badcall_console_huge_len", hc_console_write(buf, 1ull << 40), HC_EINVAL);
	CHECK_RC("badcall_marker_far_gpa", hc_call(HC_MARKER, FAR_GPA, 4, 0, 0), HC_EFAULT);
	CHECK_RC("badcall_marker_too_long", hc_call(HC_MARKER, (u64)buf, 33, 0, 0), HC_EINVAL);
	CHECKF("badcall_console_wrap", hc_console_write((void *)~0xfffull, 0x2000) < 0,
	       "a buffer that wraps around the address space must fail");
}

static void bad_slots(void)
{
	gpa_t free_gpa = (bootinfo.ram_top + BIT(30) - 1) & ~(BIT(30) - 1);

	CHECK_RC("badcall_slot_create_id", hc_memslot_create(HC_MAX_SLOTS, free_gpa, PAGE_SIZE, 0), HC_EINVAL);
	CHECK_RC("badcall_slot_create_id_huge", hc_memslot_create(1000000, free_gpa, PAGE_SIZE, 0), HC_EINVAL);
	CHECK_RC("badcall_slot_delete_id", hc_memslot_delete(HC_MAX_SLOTS), HC_EINVAL);
	CHECK_RC("badcall_slot_flags_id", hc_memslot_set_flags(99, 0), HC_EINVAL);
	CHECK_RC("badcall_dirty_enable_id", hc_dirty_log_enable(99, true), HC_EINVAL);
	CHECK_RC("badcall_dirty_fetch_id", hc_dirty_log_fetch(99, buf, 8), HC_EINVAL);
	CHECK_RC("badcall_slot_delete_free", hc_memslot_delete(HC_MAX_SLOTS - 1), HC_ENOENT);
	CHECK_RC("badcall_slot_create_slot0", hc_memslot_create(0, free_gpa, PAGE_SIZE, 0), HC_EEXIST);
	CHECK_RC("badcall_slot_overlap_ram", hc_memslot_create(HC_MAX_SLOTS - 1, BIT(20), PAGE_SIZE, 0), HC_EEXIST);
	CHECK_RC("badcall_slot_unaligned", hc_memslot_create(HC_MAX_SLOTS - 1, free_gpa + 1, PAGE_SIZE, 0), HC_EINVAL);
	CHECK_RC("badcall_slot_size0", hc_memslot_create(HC_MAX_SLOTS - 1, free_gpa, 0, 0), HC_EINVAL);
	CHECK_RC("badcall_info_selector", hc_info(999), HC_EINVAL);
}

/* fatal=1: behave like a program whose hypercall fails, not like a test of
 * the error paths: one console write from a buffer outside RAM, and on the
 * error, a message and exit status 2. The run then ends non-zero with hv's
 * own line naming the failed hypercall (hv/test/qemu-tests.sh). */
static int fail_like_a_program(void)
{
	long rc = hc_call(HC_CONSOLE_WRITE, GARBAGE_PTR, 16, 0, 0);

	if (rc >= 0) {
		printf("badcall: console write from gpa %#lx succeeded (%ld)?\n",
		       (unsigned long)GARBAGE_PTR, rc);
		return 1;
	}
	printf("badcall: fatal: console write failed: %ld (%s); giving up\n", rc, hc_strerror(rc));
	return 2;
}

/* exit=N: HC_EXIT(N) as it stands (not guest_exit, which keeps 8 bits).
 * hv ends the run with N if N <= HC_EXIT_CODE_MAX, else with status 112
 * and a line naming N (hv/test/qemu-tests.sh: badcall_exit111/114/300). */
static void exit_with_arg(void)
{
	u64 code = guest_arg_u64("exit", 0);

	printf("badcall: HC_EXIT with code %lu (guests may use 0..%d)\n",
	       (unsigned long)code, HC_EXIT_CODE_MAX);
	console_flush();
	hc_exit(code);
}

int main(void)
{
	if (!guest_hv()) {
		printf("badcall: not under hvlab, skipping hypercall parts\n");
		return 0;
	}
	if (guest_arg("exit"))
		exit_with_arg();
	unknown_numbers();
	bad_buffers();
	bad_slots();
	long rc = hc_call(HC_CONSOLE_WRITE, GARBAGE_PTR, 4096, 0, 0);
	CHECKF("badcall_console_garbage", rc < 0, "garbage pointer: got %ld (%s)", rc, hc_strerror(rc));
	printf("badcall: every malformed hypercall came back; hv is still running\n");
	if (guest_arg("fatal"))
		return fail_like_a_program();
	return check_exit_code();
}
