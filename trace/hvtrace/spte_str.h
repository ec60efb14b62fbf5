/*
 * spte_str.h: an SPTE value as text, decoded with the masks the stream
 * header carries (struct hvt_spte_format), so hvtrace reads any MMU's SPTEs
 * the way that MMU wrote them. Used by hvtrace dump.
 *
 *   "-"                 the non-present value
 *   "frozen"            the frozen value (a table being removed)
 *   "mmio gen=G"        an MMIO SPTE
 *   "P R W X U A D PS pfn=0x..."   the bits that are set, then the frame
 *   (x86 format: NX shown when set; EPT format: R and X)
 */
#ifndef HVLAB_HVTRACE_SPTE_STR_H
#define HVLAB_HVTRACE_SPTE_STR_H

#include <stddef.h>
#include "../hvt_format.h"

/* Writes at most n bytes (NUL included) into buf; returns buf. */
char *hvt_spte_str(const struct hvt_spte_format *f, u64 spte, char *buf, size_t n);

#endif
