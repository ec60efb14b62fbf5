/*
 * paging.c: build and edit the guest's page tables.
 *
 * A 48-bit linear address splits into four 9-bit indices and an offset
 * (SDM Vol. 3A Figure 4-8):
 *
 *   47      39 38      30 29      21 20      12 11         0
 *  | PML4 idx | PDPT idx |  PD idx  |  PT idx  |  offset    |
 *    level 4    level 3    level 2    level 1
 */
#include "paging.h"
#include "bootinfo.h"
#include "frames.h"
#include "io.h"
#include "smp.h"

gpa_t kernel_root;

static int index_at(gva_t gva, int level)
{
	return (gva >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

static u64 *table_of(u64 entry)
{
	return (u64 *)(entry & PTE_ADDR);
}

static u64 level_size(int level)
{
	return BIT(PAGE_SHIFT + 9 * (level - 1));
}

/*
 * Replace a large-page entry by a table of 512 entries mapping the same
 * memory with the same permissions one level down (SDM 4.10.2.3 allows
 * either translation to be cached until the INVLPG in vm_flush).
 */
static bool split_large(u64 *entry, int level)
{
	gpa_t table = frame_alloc();
	u64 flags = *entry & (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_G | PTE_NX);
	gpa_t base = *entry & PTE_ADDR & ~(level_size(level) - 1);
	u64 *child = (u64 *)table;

	if (!table)
		return false;
	for (int i = 0; i < 512; i++)
		child[i] = (base + i * level_size(level - 1)) | flags | (level - 1 > 1 ? PTE_PS : 0);
	*entry = table | PTE_P | PTE_W | PTE_U;
	return true;
}

/*
 * Walk down to the entry for gva at target_level, creating tables (and
 * splitting large pages) on the way. Intermediate entries are P|W|U so the
 * leaf alone decides the permissions (SDM 4.6: the rights combine across
 * levels).
 */
static u64 *walk_create(gpa_t root, gva_t gva, int target_level)
{
	u64 *table = (u64 *)root;

	for (int level = 4; level > target_level; level--) {
		u64 *e = &table[index_at(gva, level)];
		if (!(*e & PTE_P)) {
			gpa_t t = frame_alloc();
			if (!t)
				return NULL;
			*e = t | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			if (!split_large(e, level))
				return NULL;
		}
		table = table_of(*e);
	}
	return &table[index_at(gva, target_level)];
}

u64 *vm_leaf(gpa_t root, gva_t gva, int *level)
{
	u64 *table = (u64 *)root;

	for (int l = 4; l >= 1; l--) {
		u64 *e = &table[index_at(gva, l)];
		if (l == 1 || (*e & PTE_PS) || !(*e & PTE_P)) {
			if (level)
				*level = l;
			return (*e & PTE_P) ? e : NULL;
		}
		table = table_of(*e);
	}
	return NULL;
}

gpa_t vm_current_root(void)
{
	return read_cr3() & PTE_ADDR;
}

void vm_switch(gpa_t root)
{
	write_cr3(root);   /* flushes non-global TLB entries (SDM 4.10.4.1) */
}

void vm_flush(gpa_t root, gva_t gva)
{
	if (root == vm_current_root())
		invlpg(gva);
}

/* Set a 4 KiB / 2 MiB leaf without flushing (the callers flush). */
static int set_4k(gpa_t root, gva_t gva, gpa_t gpa, u64 flags)
{
	u64 *e = walk_create(root, gva, 1);

	if (!e)
		return E_NOMEM;
	*e = (gpa & PTE_ADDR) | flags | PTE_P;
	return 0;
}

static int set_2m(gpa_t root, gva_t gva, gpa_t gpa, u64 flags)
{
	if ((gva | gpa) & (PAGE_SIZE_2M - 1))
		return E_INVAL;
	u64 *e = walk_create(root, gva, 2);
	if (!e)
		return E_NOMEM;
	if ((*e & PTE_P) && !(*e & PTE_PS))
		frame_free(*e & PTE_ADDR);   /* the PT it replaces; its pages stay */
	*e = (gpa & PTE_ADDR) | flags | PTE_P | PTE_PS;
	return 0;
}

int vm_map(gpa_t root, gva_t gva, gpa_t gpa, u64 flags)
{
	int rc = set_4k(root, gva, gpa, flags);

	if (!rc)
		vm_flush(root, gva);
	return rc;
}

int vm_map_2m(gpa_t root, gva_t gva, gpa_t gpa, u64 flags)
{
	int rc = set_2m(root, gva, gpa, flags);

	if (!rc)
		vm_flush(root, gva);
	return rc;
}

int vm_unmap(gpa_t root, gva_t gva)
{
	u64 *e = vm_leaf(root, gva, NULL);

	if (!e)
		return E_NOENT;
	*e = 0;
	vm_flush(root, gva);
	return 0;
}

int vm_protect(gpa_t root, gva_t gva, u64 perm)
{
	u64 *e = vm_leaf(root, gva, NULL);

	if (!e)
		return E_NOENT;
	*e = (*e & ~PTE_PERM) | (perm & PTE_PERM);
	vm_flush(root, gva);
	return 0;
}

gpa_t vm_clone_root(gpa_t root)
{
	gpa_t copy = frame_alloc();

	if (copy)
		for (int i = 0; i < 512; i++)
			((u64 *)copy)[i] = ((u64 *)root)[i];
	return copy;
}

/* CR3 is read once, not per page: under mmu=shadow every CR3 read is an
 * exit, and the boot's identity map has one page per 4 KiB of RAM. */
int vm_identity_map(gpa_t root, gpa_t lo, gpa_t hi, u64 flags, bool large)
{
	bool live = root == vm_current_root();
	gpa_t gpa = lo & PAGE_MASK;
	int rc = 0;

	while (gpa < hi && rc == 0) {
		if (large && !(gpa & (PAGE_SIZE_2M - 1)) && hi - gpa >= PAGE_SIZE_2M) {
			rc = set_2m(root, gpa, gpa, flags);
			gpa += PAGE_SIZE_2M;
		} else {
			rc = set_4k(root, gpa, gpa, flags);
			gpa += PAGE_SIZE;
		}
		if (live && rc == 0)
			invlpg(gpa - 1);   /* the page (or 2 MiB page) just set */
	}
	return rc;
}

/*
 * The guest's identity map: RAM from 4 KiB up to the top of RAM (page 0
 * stays unmapped so a NULL dereference faults, unless 2 MiB pages are
 * asked for with "pagesize=2m"), plus the local APIC page, uncached.
 */
bool paging_init(void)
{
	const char *ps = guest_arg("pagesize");
	bool large = ps && ps[0] == '2';
	u64 top = (bootinfo.ram_top + PAGE_SIZE_2M - 1) & ~(PAGE_SIZE_2M - 1);

	kernel_root = frame_alloc();
	if (!kernel_root ||
	    vm_identity_map(kernel_root, large ? 0 : PAGE_SIZE, large ? top : bootinfo.ram_top,
			    PTE_W, large) ||
	    vm_map(kernel_root, LAPIC_GPA, LAPIC_GPA, PTE_W | PTE_PCD | PTE_PWT))
		return false;
	vm_switch(kernel_root);
	return true;
}
