/*
 * frames.c: bump allocator over bootinfo.ram[], with a free list.
 *
 * Invariants:
 *   (1) every frame handed out is page-aligned RAM, >= 1 MiB and outside
 *       [__image_start, __image_end);
 *   (2) next_gpa only grows: a frame is handed out by the cursor at most once.
 */
#include "frames.h"
#include "bootinfo.h"
#include "spinlock.h"

extern char __image_start[], __image_end[];

static struct spinlock frames_lock;
static int region;        /* index into bootinfo.ram of the cursor */
static gpa_t next_gpa;    /* the cursor */
static gpa_t free_list;   /* freed frames, linked through their first word */

#define LOW_LIMIT BIT(20)

static u64 align_up(u64 v, u64 a) { return (v + a - 1) & ~(a - 1); }

/* Move the cursor up to the first allowed address at or after it. */
static void skip_forbidden(void)
{
	if (next_gpa < LOW_LIMIT)
		next_gpa = LOW_LIMIT;
	if (next_gpa < (gpa_t)__image_end && next_gpa + PAGE_SIZE > (gpa_t)__image_start)
		next_gpa = align_up((gpa_t)__image_end, PAGE_SIZE);
}

void frames_init(void)
{
	region = 0;
	next_gpa = bootinfo.nr_ram ? align_up(bootinfo.ram[0].base, PAGE_SIZE) : 0;
	skip_forbidden();
}

static void zero_page(gpa_t gpa)
{
	u64 *p = (u64 *)gpa;
	for (int i = 0; i < 512; i++)
		p[i] = 0;
}

/* Take npages at alignment align from the cursor, moving across regions. */
static gpa_t bump(u64 npages, u64 align)
{
	for (; region < bootinfo.nr_ram; region++) {
		const struct ram_region *r = &bootinfo.ram[region];
		if (next_gpa < r->base)
			next_gpa = align_up(r->base, PAGE_SIZE);
		skip_forbidden();
		gpa_t start = align_up(next_gpa, align);
		if (start + npages * PAGE_SIZE <= r->base + r->len) {
			next_gpa = start + npages * PAGE_SIZE;
			return start;
		}
	}
	return 0;
}

gpa_t frame_alloc(void)
{
	gpa_t gpa;

	spin_lock(&frames_lock);
	gpa = free_list;
	if (gpa)
		free_list = *(gpa_t *)gpa;
	else
		gpa = bump(1, PAGE_SIZE);
	spin_unlock(&frames_lock);
	if (gpa)
		zero_page(gpa);
	return gpa;
}

gpa_t frames_alloc_contig(u64 npages, u64 align)
{
	spin_lock(&frames_lock);
	gpa_t gpa = bump(npages, align < PAGE_SIZE ? PAGE_SIZE : align);
	spin_unlock(&frames_lock);
	return gpa;
}

void frame_free(gpa_t gpa)
{
	spin_lock(&frames_lock);
	*(gpa_t *)gpa = free_list;
	free_list = gpa;
	spin_unlock(&frames_lock);
}

u64 frames_left(void)
{
	u64 left = 0;

	for (int i = region; i < bootinfo.nr_ram; i++) {
		const struct ram_region *r = &bootinfo.ram[i];
		gpa_t from = next_gpa > r->base ? next_gpa : r->base;
		if (from < r->base + r->len)
			left += r->base + r->len - from;
	}
	return left;
}
