/*
 * spte_str.c: SPTE decoding from the header's masks (spte_str.h).
 */
#include <stdio.h>
#include <string.h>
#include "spte_str.h"

struct bit_name { size_t mask_off; const char *name; };

/* Shown in this order when the SPTE has the mask's bits set. */
static const struct bit_name bits[] = {
	{ offsetof(struct hvt_spte_format, readable_mask),      "R" },
	{ offsetof(struct hvt_spte_format, writable_mask),      "W" },
	{ offsetof(struct hvt_spte_format, exec_mask),          "X" },
	{ offsetof(struct hvt_spte_format, user_mask),          "U" },
	{ offsetof(struct hvt_spte_format, accessed_mask),      "A" },
	{ offsetof(struct hvt_spte_format, dirty_mask),         "D" },
	{ offsetof(struct hvt_spte_format, huge_mask),          "PS" },
	{ offsetof(struct hvt_spte_format, nx_mask),            "NX" },
	{ offsetof(struct hvt_spte_format, mmu_writable_mask),  "mw" },
	{ offsetof(struct hvt_spte_format, host_writable_mask), "hw" },
};

static u64 mask_at(const struct hvt_spte_format *f, size_t off)
{
	u64 m;

	memcpy(&m, (const char *)f + off, sizeof(m));
	return m;
}

static int is_mmio(const struct hvt_spte_format *f, u64 spte)
{
	return f->mmio_mask && (spte & f->mmio_mask) == f->mmio_value;
}

char *hvt_spte_str(const struct hvt_spte_format *f, u64 spte, char *buf, size_t n)
{
	size_t len = 0;

	if (spte == f->nonpresent_value)
		return snprintf(buf, n, "-"), buf;
	if (f->frozen_value && spte == f->frozen_value)
		return snprintf(buf, n, "frozen"), buf;
	if (is_mmio(f, spte))
		return snprintf(buf, n, "mmio gen=%llu",
				(unsigned long long)(spte & f->mmio_gen_mask)), buf;
	buf[0] = 0;
	if (f->present_mask && (spte & f->present_mask))
		len += snprintf(buf + len, n - len, "P");
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]) && len < n; i++) {
		u64 m = mask_at(f, bits[i].mask_off);

		if (m && (spte & m) == m)
			len += snprintf(buf + len, n - len, "%s%s", len ? " " : "", bits[i].name);
	}
	if (len < n)
		snprintf(buf + len, n - len, "%spfn=0x%llx", len ? " " : "",
			 (unsigned long long)((spte & f->pfn_mask) >> 12));
	return buf;
}
