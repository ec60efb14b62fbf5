/*
 * names.c: the enum names of trace/hvt_format.h (names.h).
 */
#include "names.h"

static const char *const type_names[HVT_TYPE_MAX] = {
	[HVT_SPTE_CHANGE] = "spte_change", [HVT_TLB_FLUSH] = "tlb_flush",
	[HVT_FAULT] = "fault", [HVT_FAULT_END] = "fault_end",
	[HVT_FAST_FAULT] = "fast_fault", [HVT_WALK_STEP] = "walk_step",
	[HVT_SP_EVENT] = "sp_event", [HVT_PT_ALLOC] = "pt_alloc",
	[HVT_PT_FREE] = "pt_free", [HVT_MEMSLOT] = "memslot",
	[HVT_CACHE_TOPUP] = "cache_topup", [HVT_MMIO] = "mmio",
	[HVT_EXIT] = "exit", [HVT_ENTRY] = "entry", [HVT_HYPERCALL] = "hypercall",
	[HVT_MARKER] = "marker", [HVT_DROP] = "drop", [HVT_GRACE] = "grace",
	[HVT_REQUEST] = "request",
};

static const char *const spte_reason_names[HVT_SR_MAX] = {
	[HVT_SR_MAP] = "map", [HVT_SR_ZAP] = "zap", [HVT_SR_WRPROT] = "wrprot",
	[HVT_SR_CLEAR_DIRTY] = "clear_dirty", [HVT_SR_AGE] = "age",
	[HVT_SR_SPLIT] = "split", [HVT_SR_FREEZE] = "freeze",
	[HVT_SR_FAST_FIX] = "fast_fix", [HVT_SR_MMIO] = "mmio", [HVT_SR_SYNC] = "sync",
	[HVT_SR_PREFETCH] = "prefetch", [HVT_SR_TEARDOWN] = "teardown",
};

static const char *const flush_reason_names[HVT_FR_MAX] = {
	[HVT_FR_ZAP] = "zap", [HVT_FR_ZAP_PER_TABLE] = "zap_per_table",
	[HVT_FR_WRPROT] = "wrprot", [HVT_FR_HUGE_REPLACE] = "huge_replace",
	[HVT_FR_NEW_ROOT] = "new_root", [HVT_FR_AGE] = "age", [HVT_FR_SYNC] = "sync",
	[HVT_FR_INVLPG] = "invlpg", [HVT_FR_CR3] = "cr3", [HVT_FR_FROZEN] = "frozen",
};

static const char *const flush_scope_names[HVT_FS_MAX] = {
	[HVT_FS_LOCAL_ALL] = "local_all", [HVT_FS_LOCAL_RANGE] = "local_range",
	[HVT_FS_REMOTE_ALL] = "remote_all", [HVT_FS_REMOTE_RANGE] = "remote_range",
	[HVT_FS_GUEST] = "guest",
};

static const char *const fault_kind_names[HVT_FK_MAX] = {
	[HVT_FK_TDP] = "tdp", [HVT_FK_SHADOW] = "shadow", [HVT_FK_MMIO] = "mmio",
};

static const char *const fault_result_names[HVT_FRES_MAX] = {
	[HVT_FR_FIXED] = "fixed", [HVT_FR_SPURIOUS] = "spurious",
	[HVT_FR_RETRY] = "retry", [HVT_FR_MMIO] = "mmio",
	[HVT_FR_EMULATED] = "emulated", [HVT_FR_INJECTED] = "injected",
	[HVT_FR_ERROR] = "error",
};

static const char *const mmio_kind_names[HVT_MMIO_MAX] = {
	[HVT_MMIO_ALLONES] = "allones", [HVT_MMIO_READONLY] = "readonly",
	[HVT_MMIO_LAPIC] = "lapic", [HVT_MMIO_UNBACKED] = "unbacked",
};

static const char *const exit_kind_names[HVT_EX_MAX] = {
	[HVT_EX_NPF] = "npf", [HVT_EX_PF] = "pf", [HVT_EX_CR_WRITE] = "cr_write",
	[HVT_EX_INVLPG] = "invlpg", [HVT_EX_CPUID] = "cpuid", [HVT_EX_IO] = "io",
	[HVT_EX_HLT] = "hlt", [HVT_EX_HYPERCALL] = "hypercall",
	[HVT_EX_SHUTDOWN] = "shutdown", [HVT_EX_EXTINT] = "extint",
	[HVT_EX_MSR] = "msr", [HVT_EX_INIT_SIPI] = "init_sipi", [HVT_EX_NMI] = "nmi",
	[HVT_EX_INVPCID] = "invpcid", [HVT_EX_OTHER] = "other",
};

static const char *const sp_reason_names[HVT_SP_MAX] = {
	[HVT_SP_GET] = "get", [HVT_SP_UNSYNC] = "unsync", [HVT_SP_SYNC] = "sync",
	[HVT_SP_ZAP] = "zap", [HVT_SP_WRPROT] = "wrprot", [HVT_SP_FLOOD] = "flood",
};

static const char *const free_reason_names[HVT_FREE_MAX] = {
	[HVT_FREE_DEFERRED] = "deferred", [HVT_FREE_IMMEDIATE] = "immediate",
};

static const char *const memslot_op_names[HVT_MS_MAX] = {
	[HVT_MS_CREATE] = "create", [HVT_MS_DELETE] = "delete", [HVT_MS_FLAGS] = "flags",
};

#define LIST(table, arr) { table, arr, sizeof(arr) / sizeof(arr[0]) }

const struct hvt_name_list hvt_names[HVT_NT_COUNT] = {
	[HVT_NT_TYPE]         = LIST("event_types", type_names),
	[HVT_NT_SPTE_REASON]  = LIST("spte_reasons", spte_reason_names),
	[HVT_NT_FLUSH_REASON] = LIST("flush_reasons", flush_reason_names),
	[HVT_NT_FLUSH_SCOPE]  = LIST("flush_scopes", flush_scope_names),
	[HVT_NT_FAULT_KIND]   = LIST("fault_kinds", fault_kind_names),
	[HVT_NT_FAULT_RESULT] = LIST("fault_results", fault_result_names),
	[HVT_NT_MMIO_KIND]    = LIST("mmio_kinds", mmio_kind_names),
	[HVT_NT_EXIT_KIND]    = LIST("exit_kinds", exit_kind_names),
	[HVT_NT_SP_REASON]    = LIST("sp_reasons", sp_reason_names),
	[HVT_NT_FREE_REASON]  = LIST("free_reasons", free_reason_names),
	[HVT_NT_MEMSLOT_OP]   = LIST("memslot_ops", memslot_op_names),
};

const char *hvt_name(enum hvt_name_table t, unsigned id)
{
	const struct hvt_name_list *l = &hvt_names[t];

	if (id >= l->count || !l->names[id])
		return "?";
	return l->names[id];
}
