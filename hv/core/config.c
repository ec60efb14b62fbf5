/*
 * config.c: read the run's options from the Multiboot command lines
 * (see config.h for the keys).
 */
#include "hv/core/config.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/boot/multiboot.h"
#include "trace/hvt_format.h"

static bool word_is(const char *w, size_t n, const char *key)
{
	size_t k = strlen(key);
	return n > k && strncmp(w, key, k) == 0;
}

static _Noreturn void bad_option(const char *w, size_t n, const char *why)
{
	char word[64];
	size_t k = n < sizeof(word) - 1 ? n : sizeof(word) - 1;
	memcpy(word, w, k);
	word[k] = 0;
	printk("hv: bad option '%s': %s\n", word, why);
	hv_finish(HV_STATUS_BADCONFIG);
}

static u64 option_number(const char *w, size_t n, const char *key)
{
	u64 v;
	size_t k = strlen(key);
	if ((size_t)parse_u64(w + k, &v) != n - k || n == k)
		bad_option(w, n, "not a number");
	return v;
}

/* One key=value word; words hv does not know belong to the guest. */
static void parse_word(const char *w, size_t n, struct boot_config *cfg)
{
	if (word_is(w, n, "mmu=")) {
		if (n == 7 && !strncmp(w + 4, "tdp", 3))
			cfg->mmu_mode = HVT_MMU_TDP;
		else if (n == 10 && !strncmp(w + 4, "shadow", 6))
			cfg->mmu_mode = HVT_MMU_SHADOW;
		else
			bad_option(w, n, "use mmu=tdp or mmu=shadow");
	} else if (word_is(w, n, "vcpus=")) {
		cfg->nr_vcpus = (int)option_number(w, n, "vcpus=");
		if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > HVT_MAX_CPUS)
			bad_option(w, n, "vcpus must be 1..8");
	} else if (word_is(w, n, "mem=")) {
		cfg->mem_mib = option_number(w, n, "mem=");
		if (cfg->mem_mib < 2 || cfg->mem_mib > 3072)
			bad_option(w, n, "mem must be 2..3072 (MiB)");
	} else if (word_is(w, n, "trace_key=")) {
		cfg->trace_key = option_number(w, n, "trace_key=");
		cfg->trace_on = true;
	} else if (word_is(w, n, "trace_wait=")) {
		cfg->trace_wait_s = option_number(w, n, "trace_wait=");
		if (cfg->trace_wait_s > 600)
			bad_option(w, n, "trace_wait must be 0..600 (seconds)");
	} else if (word_is(w, n, "mmu_check=")) {
		cfg->mmu_check = option_number(w, n, "mmu_check=") != 0;
	} else if (word_is(w, n, "shadow_unsync=")) {
		if (option_number(w, n, "shadow_unsync=") == 0)
			cfg->shadow_flags |= SHADOW_CFG_NO_UNSYNC;
	} else if (word_is(w, n, "shadow_prefetch=")) {
		if (option_number(w, n, "shadow_prefetch=") == 0)
			cfg->shadow_flags |= SHADOW_CFG_NO_PREFETCH;
	} else if (word_is(w, n, "shadow_sync=")) {
		if (n != 17 || strncmp(w + 12, "wrong", 5))
			bad_option(w, n, "shadow_sync=wrong is the only choice (seed 000 lab)");
		cfg->shadow_flags |= SHADOW_CFG_SKIP_WADD;
	} else if (word_is(w, n, "shadow_pages=")) {
		cfg->shadow_pages = option_number(w, n, "shadow_pages=");
		if (cfg->shadow_pages < 1 || cfg->shadow_pages > 1000000)
			bad_option(w, n, "shadow_pages must be 1..1000000 (the MMU raises it to "
				   "what the vCPUs' roots need; leave it out for 20 per 1000 guest pages)");
	} else if (word_is(w, n, "hv_selftest=")) {
		if (n == 17 && !strncmp(w + 12, "panic", 5))
			cfg->selftest_panic = true;
		else if (n == 18 && !strncmp(w + 12, "nostop", 6))
			cfg->selftest_nostop = true;
		else
			bad_option(w, n, "the self tests are hv_selftest=panic and hv_selftest=nostop");
	} else if (word_is(w, n, "trace=")) {
		cfg->trace_on = strncmp(w + 6, "off", 3) != 0;
		cfg->trace_lossy = strncmp(w + 6, "lossy", 5) == 0;
		cfg->trace_port = strncmp(w + 6, "port", 4) == 0;
	}
}

static void parse_line(const char *s, struct boot_config *cfg)
{
	while (*s) {
		while (*s == ' ')
			s++;
		const char *w = s;
		while (*s && *s != ' ')
			s++;
		if (s > w)
			parse_word(w, (size_t)(s - w), cfg);
	}
}

void config_parse(u32 mbi_pa, struct boot_config *cfg)
{
	const struct mb_info *mbi = (const void *)(u64)mbi_pa;

	*cfg = (struct boot_config){ .mmu_mode = HVT_MMU_TDP, .nr_vcpus = 1, .mem_mib = 32,
				    .trace_wait_s = 10 };
	if (mbi->flags & MBI_CMDLINE)
		parse_line((const char *)(u64)mbi->cmdline, cfg);
	if (!(mbi->flags & MBI_MODS) || mbi->mods_count == 0) {
		printk("hv: no guest: pass a Multiboot kernel as a module "
		       "(QEMU: -initrd \"guest.elf options\")\n");
		hv_finish(HV_STATUS_BADCONFIG);
	}
	const struct mb_module *m = (const void *)(u64)mbi->mods_addr;
	cfg->guest_start = m->mod_start;
	cfg->guest_end = m->mod_end;
	cfg->guest_cmdline = m->string ? (const char *)(u64)m->string : "";
	parse_line(cfg->guest_cmdline, cfg);
}
