/*
 * bootinfo.c: copy the Multiboot memory map and command line into the
 * guest's own memory, and answer questions about them.
 */
#include "bootinfo.h"
#include "multiboot.h"
#include "include/klib/klib.h"

struct bootinfo bootinfo;

/* The command line split into NUL-terminated words. */
static char args_buf[256];
static const char *argv[32];
static int argc;

static void add_ram(u64 base, u64 len)
{
	struct bootinfo *b = &bootinfo;
	int i;

	if (b->nr_ram == MAX_RAM_REGIONS || len == 0)
		return;
	for (i = b->nr_ram; i > 0 && b->ram[i - 1].base > base; i--)
		b->ram[i] = b->ram[i - 1];
	b->ram[i] = (struct ram_region){ base, len };
	b->nr_ram++;
	b->ram_bytes += len;
	if (base < BIT(32)) {
		u64 end = base + len > BIT(32) ? BIT(32) : base + len;
		if (end > b->ram_top)
			b->ram_top = end;
	}
}

static void read_mmap(const struct mb_info *mb)
{
	u64 p = mb->mmap_addr, end = p + mb->mmap_length;

	while (p < end) {
		const struct mb_mmap_entry *e = (const void *)p;
		if (e->type == MB_MMAP_RAM)
			add_ram(e->base, e->len);
		p += e->size + 4;
	}
}

static void split_args(void)
{
	char *s = args_buf;

	for (int i = 0; i < (int)sizeof(args_buf) - 1 && bootinfo.cmdline[i]; i++)
		args_buf[i] = bootinfo.cmdline[i];
	while (*s && argc < (int)ARRAY_SIZE(argv)) {
		while (*s == ' ')
			*s++ = 0;
		if (*s)
			argv[argc++] = s;
		while (*s && *s != ' ')
			s++;
	}
}

void bootinfo_init(u32 mbi_gpa)
{
	const struct mb_info *mb = (const void *)(u64)mbi_gpa;

	if (mb->flags & MB_INFO_MMAP) {
		read_mmap(mb);
	} else if (mb->flags & MB_INFO_MEM) {
		add_ram(0, (u64)mb->mem_lower << 10);
		add_ram(BIT(20), (u64)mb->mem_upper << 10);
	}
	if (mb->flags & MB_INFO_CMDLINE) {
		const char *c = (const char *)(u64)mb->cmdline;
		for (int i = 0; i < (int)sizeof(bootinfo.cmdline) - 1 && c[i]; i++)
			bootinfo.cmdline[i] = c[i];
	}
	split_args();
}

bool gpa_is_ram(gpa_t gpa)
{
	for (int i = 0; i < bootinfo.nr_ram; i++)
		if (gpa >= bootinfo.ram[i].base &&
		    gpa - bootinfo.ram[i].base < bootinfo.ram[i].len)
			return true;
	return false;
}

/* If word is "name" or "name=...", return what follows the name. */
static const char *match(const char *word, const char *name)
{
	while (*name && *word == *name)
		word++, name++;
	if (*name)
		return NULL;
	if (*word == '=')
		return word + 1;
	return *word ? NULL : word;
}

const char *guest_arg(const char *name)
{
	/* Word 0 may be the kernel's file name; a match there is harmless. */
	for (int i = 0; i < argc; i++) {
		const char *v = match(argv[i], name);
		if (v)
			return v;
	}
	return NULL;
}

u64 guest_arg_u64(const char *name, u64 dflt)
{
	const char *s = guest_arg(name);
	u64 v;

	if (!s || !*s)
		return dflt;
	s += parse_u64(s, &v);     /* klib: decimal or 0x-hex, as hv's own options */
	switch (*s) {
	case 'k': case 'K': return v << 10;
	case 'm': case 'M': return v << 20;
	case 'g': case 'G': return v << 30;
	}
	return v;
}
