/*
 * decode.h: turn trace values into text: enum names, SPTE bits (from the
 * trace's struct hvt_spte_format masks, REFERENCE.md §4), fault error codes,
 * one-line event summaries. No ncurses, no SQLite.
 */
#ifndef HVTUI_DECODE_H
#define HVTUI_DECODE_H

#include "tracedb.h"

/* One named SPTE bit (or bit group) of a format. */
struct spte_bit {
	const char *name; /* short name shown on screen ("W", "D", "mw") */
	u64 mask;         /* its bits in the SPTE */
};

#define SPTE_BITS_MAX 12

const char *type_name(unsigned type);        /* "spte_change" (schema.sql names) */
const char *type_short(unsigned type);       /* "spte" (event list column) */
const char *spte_reason_name(unsigned r);
const char *flush_reason_name(unsigned r);
const char *flush_scope_name(unsigned s);
const char *fault_kind_name(unsigned k);
const char *fault_result_name(unsigned r);
const char *exit_kind_name(unsigned k);
/* Name -> value lookups for the filter language; -1 if unknown. */
int type_by_name(const char *name);

/* The named bits of fmt in display order; returns how many. */
int spte_bits(const struct hvt_spte_format *f, struct spte_bit out[SPTE_BITS_MAX]);
bool spte_is_present(const struct hvt_spte_format *f, u64 v);
bool spte_is_leaf(const struct hvt_spte_format *f, u64 v, unsigned level);
/* Text of one SPTE, by the MMU's decoder (mmu/spte_decode.h). */
void spte_describe(const struct hvt_spte_format *f, u64 v, unsigned level, char *buf, size_t len);
void spte_describe_local(const struct hvt_spte_format *f, u64 v, unsigned level, char *buf,
			 size_t len);
/* "+W -D pfn 0x12 -> 0x34" for old -> new; "no change" if equal. */
void spte_diff(const struct hvt_spte_format *f, u64 old, u64 new, char *buf, size_t len);
/* Fault error code / exit qualification spelled out. */
void fault_error_describe(unsigned vendor, unsigned kind, u64 err, char *buf, size_t len);
/* Record flags, e.g. "atomic leaf lost-race". */
void flags_describe(unsigned flags, char *buf, size_t len);
/* Guest paging modes, numbered as enum gwalk_mode and the shadow role's mode
 * field (mmu/SHADOW.md 5.1): 1 32-bit (4-byte gPTEs), 2 PAE, 3 4-level,
 * 4 5-level; GUEST_MODE_UNKNOWN when the trace does not say. */
#define GUEST_MODE_UNKNOWN (-1)
const char *guest_mode_name(int mode);
/* The mode whose walks start at this level (32-bit 2, PAE 3, 4-level 4, 5). */
int guest_mode_of_root_level(unsigned level);
/* Index of gva's entry at level in a gPT of this mode (32-bit: 10 bits). */
unsigned gpte_index(int mode, unsigned level, u64 gva);
/* A guest page-table entry (walk_step b) decoded by its mode and level:
 * 4-byte entries for 32-bit paging (4 MiB pages with PSE-36 address bits),
 * 8-byte ones (XD, PDPTE) for PAE and long mode. */
void gpte_describe(int mode, unsigned level, u64 gpte, char *buf, size_t len);
/* A shadow page's role word (sp_event b, mmu/SHADOW.md 5.1), spelled out;
 * role_short says only what it shadows: "gPT 0x108 q1", "PAE root". */
void role_describe(u64 role, char *buf, size_t len);
void role_short(u64 role, u64 gfn, char *buf, size_t len);
/* What the SP shadows: the guest table and the part of it, two lines split at a newline. */
void role_shadows(u64 role, u64 gfn, char *buf, size_t len);
/* The vendor's own name of a raw exit code (exit a): SVM VMEXIT_* / VMX
 * basic exit reasons; NULL when hvtui does not know it. */
const char *vendor_exit_name(unsigned vendor, u64 code);
/* One line for the event list (without the seq column). */
void event_summary(const struct hvt_event *ev, char *buf, size_t len);
/* The gfn an event is about (index frame for shadow faults); false if none. */
bool event_gfn(const struct hvt_event *ev, unsigned mmu_mode, u64 *gfn);
/* The sptep an event names (SPTE_CHANGE b, FAST_FAULT e); false if none. */
bool event_sptep(const struct hvt_event *ev, u64 *sptep);

#endif
