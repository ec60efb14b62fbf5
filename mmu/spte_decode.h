/*
 * spte_decode.h: SPTE bits -> text, from a format description, e.g.
 *   "P W X A D pfn=0x1234 MMU-W HOST-W"     a writable 4K leaf (EPT)
 *   "TABLE pfn=0x5678"                       a non-leaf entry
 *   "MMIO gfn=0xfee00 gen=3"                 an MMIO SPTE
 *   "FROZEN", "EMPTY", "ACC-TRACK ..."       special values
 * Shared by mmu/ (panics, test failures) and the host tools (hvtrace dump,
 * hvtui), which pass the struct hvt_spte_format from the stream header.
 * Freestanding: no libc; always NUL-terminates within len.
 */
#ifndef HVLAB_MMU_SPTE_DECODE_H
#define HVLAB_MMU_SPTE_DECODE_H

#include "../include/hvlab/types.h"
#include "../trace/hvt_format.h"

/* level: 1..5 (4K=1), or 0 if unknown (then PS decides leaf vs table).
 * Returns the length written (excluding the NUL). */
size_t spte_decode(const struct hvt_spte_format *fmt, u64 spte, int level,
		   char *buf, size_t len);

/* Small freestanding text helpers, also used by mmu_check's messages. */
struct strbuf {
	char  *buf;   /* destination */
	size_t len;   /* capacity including the NUL */
	size_t pos;   /* characters written so far */
};
void sb_init(struct strbuf *sb, char *buf, size_t len);
void sb_puts(struct strbuf *sb, const char *s);
void sb_hex(struct strbuf *sb, u64 v);     /* 0x... */
void sb_dec(struct strbuf *sb, u64 v);

#endif
