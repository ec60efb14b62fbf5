/*
 * spte_decode.c: SPTE bits -> text from a struct hvt_spte_format
 * (see spte_decode.h). One decoder for the MMU and every host tool.
 */
#include "spte_decode.h"
#include "spte.h"

void sb_init(struct strbuf *sb, char *buf, size_t len)
{
	sb->buf = buf;
	sb->len = len;
	sb->pos = 0;
	if (len)
		buf[0] = '\0';
}

static void sb_putc(struct strbuf *sb, char c)
{
	if (sb->pos + 1 < sb->len) {
		sb->buf[sb->pos++] = c;
		sb->buf[sb->pos] = '\0';
	}
}

void sb_puts(struct strbuf *sb, const char *s)
{
	while (*s)
		sb_putc(sb, *s++);
}

void sb_hex(struct strbuf *sb, u64 v)
{
	char tmp[16];
	int n = 0;

	sb_puts(sb, "0x");
	do {
		tmp[n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	while (n)
		sb_putc(sb, tmp[--n]);
}

void sb_dec(struct strbuf *sb, u64 v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		sb_putc(sb, tmp[--n]);
}

/* One word per set bit, in reading order; then the software bits. */
static void decode_present(const struct hvt_spte_format *f, u64 spte, int level,
			   struct strbuf *sb)
{
	bool leaf = level == 1 || (spte & f->huge_mask);

	if (!leaf) {
		sb_puts(sb, "TABLE pfn=");
		sb_hex(sb, (spte & f->pfn_mask) >> PAGE_SHIFT);
		return;
	}
	if (f->acc_track_mask && !(spte & f->acc_track_mask))
		sb_puts(sb, "ACC-TRACK ");
	if (f->readable_mask)
		sb_puts(sb, (spte & f->readable_mask) ? "R " : "");
	else
		sb_puts(sb, "P ");
	if (spte & f->writable_mask)
		sb_puts(sb, "W ");
	if (f->exec_mask && (spte & f->exec_mask))
		sb_puts(sb, "X ");
	if (f->nx_mask && (spte & f->nx_mask))
		sb_puts(sb, "NX ");
	if (f->user_mask && (spte & f->user_mask))
		sb_puts(sb, "U ");
	if (f->accessed_mask && (spte & f->accessed_mask))
		sb_puts(sb, "A ");
	if (f->dirty_mask && (spte & f->dirty_mask))
		sb_puts(sb, "D ");
	if (spte & f->huge_mask)
		sb_puts(sb, level == 3 ? "1G " : level == 2 ? "2M " : "PS ");
	sb_puts(sb, "pfn=");
	sb_hex(sb, (spte & f->pfn_mask) >> PAGE_SHIFT);
	if (spte & f->mmu_writable_mask)
		sb_puts(sb, " MMU-W");
	if (spte & f->host_writable_mask)
		sb_puts(sb, " HOST-W");
}

size_t spte_decode(const struct hvt_spte_format *f, u64 spte, int level,
		   char *buf, size_t len)
{
	struct strbuf sb;

	sb_init(&sb, buf, len);
	if (spte == f->frozen_value) {
		sb_puts(&sb, "FROZEN");
	} else if (spte == f->nonpresent_value) {
		sb_puts(&sb, "EMPTY");
	} else if (f->mmio_value && (spte & f->mmio_mask) == f->mmio_value && !(spte & f->present_mask)) {
		sb_puts(&sb, "MMIO gfn=");
		sb_hex(&sb, (spte & MMIO_SPTE_GFN_MASK) >> PAGE_SHIFT);
		sb_puts(&sb, " gen=");
		sb_dec(&sb, mmio_spte_gen(spte));
	} else if (spte & f->present_mask) {
		decode_present(f, spte, level, &sb);
	} else {
		sb_puts(&sb, "NOT-PRESENT ");
		sb_hex(&sb, spte);
	}
	return sb.pos;
}
