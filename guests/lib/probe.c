/*
 * probe.c: arm the fault hooks around one access and report what happened.
 */
#include "guest.h"
#include "user.h"

u64 probe_raw_read(gva_t gva);
void probe_raw_write(gva_t gva, u64 value);
void probe_raw_exec(gva_t gva);
extern char probe_text_start[], probe_text_end[];

u64 probe_resume_rip, probe_resume_rsp;

static struct probe result;
static gva_t exec_target;        /* the gva probe_exec calls, or 0 */
static fault_handler_t saved[3];
static const int vectors[3] = { VEC_PF, VEC_GP, VEC_UD };

/* A fault in a probe instruction (or at the exec target): record, resume. */
static bool on_probe_fault(struct trapframe *tf)
{
	bool in_probe = (tf->rip >= (u64)probe_text_start && tf->rip < (u64)probe_text_end) ||
			(tf->rip >= USER_GVA && tf->rip < USER_GVA + PAGE_SIZE);

	if (!in_probe && !(exec_target && tf->rip == exec_target))
		return false;
	result.faulted = true;
	result.vector = tf->vector;
	result.error = tf->error;
	result.cr2 = read_cr2();
	result.rip = tf->rip;
	tf->rip = probe_resume_rip;
	tf->rsp = probe_resume_rsp;
	tf->cs = 0x08;            /* a ring-3 probe comes back to ring 0 */
	tf->ss = 0x10;
	return true;
}

static void arm(gva_t target)
{
	result = (struct probe){ 0 };
	exec_target = target;
	for (int i = 0; i < 3; i++)
		saved[i] = guest_set_fault_handler(vectors[i], on_probe_fault);
}

static struct probe disarm(void)
{
	for (int i = 0; i < 3; i++)
		guest_set_fault_handler(vectors[i], saved[i]);
	exec_target = 0;
	return result;
}

struct probe probe_read(gva_t gva)
{
	arm(0);
	u64 v = probe_raw_read(gva);
	struct probe r = disarm();
	r.value = r.faulted ? 0 : v;
	return r;
}

struct probe probe_write(gva_t gva, u64 value)
{
	arm(0);
	probe_raw_write(gva, value);
	return disarm();
}

struct probe probe_exec(gva_t gva)
{
	arm(gva);
	probe_raw_exec(gva);
	return disarm();
}

struct probe probe_user_read(gva_t gva)
{
	user_init();
	arm(0);
	u64 v = user_run(USER_READ, gva, 0);
	struct probe r = disarm();
	r.value = r.faulted ? 0 : v;
	return r;
}

struct probe probe_user_write(gva_t gva, u64 value)
{
	user_init();
	arm(0);
	user_run(USER_WRITE, gva, value);
	return disarm();
}

struct probe probe_user_exec(gva_t gva)
{
	user_init();
	arm(gva);
	user_run(USER_EXEC, gva, 0);
	return disarm();
}
