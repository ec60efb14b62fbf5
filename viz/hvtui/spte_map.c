/*
 * spte_map.c: sparse sptep -> value hash map (see spte_map.h).
 *
 * Linear probing; deletion shifts later members of the probe run back into
 * the hole (Knuth 6.4 algorithm R), so lookups never walk tombstones.
 */
#include "spte_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAP_MIN_BITS 10

static size_t map_slots(const struct spte_map *m)
{
	return (size_t)1 << m->bits;
}

/* Home slot of sptep: entries are 8-aligned, so drop the low bits first. */
static size_t map_home(const struct spte_map *m, u64 sptep)
{
	return (size_t)(((sptep >> 3) * 0x9E3779B97F4A7C15ull) >> (64 - m->bits));
}

static int map_alloc(struct spte_map *m, unsigned bits)
{
	m->slot = calloc((size_t)1 << bits, sizeof(*m->slot));
	if (!m->slot)
		return -ENOMEM;
	m->bits = bits;
	m->count = 0;
	return 0;
}

int spte_map_init(struct spte_map *m)
{
	return map_alloc(m, MAP_MIN_BITS);
}

void spte_map_free(struct spte_map *m)
{
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

void spte_map_clear(struct spte_map *m)
{
	memset(m->slot, 0, map_slots(m) * sizeof(*m->slot));
	m->count = 0;
}

static size_t map_find(const struct spte_map *m, u64 sptep)
{
	size_t mask = map_slots(m) - 1;
	size_t i = map_home(m, sptep);

	while (m->slot[i].level && m->slot[i].sptep != sptep)
		i = (i + 1) & mask;
	return i;
}

const struct spte_entry *spte_map_get(const struct spte_map *m, u64 sptep)
{
	size_t i = map_find(m, sptep);

	return m->slot[i].level ? &m->slot[i] : NULL;
}

/* Doubles the table, reinserting every entry. */
static int map_grow(struct spte_map *m)
{
	struct spte_map bigger;
	size_t i;

	if (map_alloc(&bigger, m->bits + 1))
		return -ENOMEM;
	for (i = 0; i < map_slots(m); i++) {
		if (m->slot[i].level)
			bigger.slot[map_find(&bigger, m->slot[i].sptep)] = m->slot[i];
	}
	bigger.count = m->count;
	free(m->slot);
	*m = bigger;
	return 0;
}

int spte_map_put(struct spte_map *m, u64 sptep, u64 value, u64 gfn, unsigned level)
{
	size_t i;

	/* Keep the load factor under 1/2 so probe runs stay short. */
	if ((m->count + 1) * 2 > map_slots(m) && map_grow(m))
		return -ENOMEM;
	i = map_find(m, sptep);
	if (!m->slot[i].level)
		m->count++;
	m->slot[i] = (struct spte_entry){ sptep, value, gfn, level ? level : 1 };
	return 0;
}

/* True if slot j's home lies cyclically in (hole, j]: it must stay put. */
static bool stays(size_t home, size_t hole, size_t j)
{
	if (hole <= j)
		return hole < home && home <= j;
	return hole < home || home <= j;
}

void spte_map_del(struct spte_map *m, u64 sptep)
{
	size_t mask = map_slots(m) - 1;
	size_t hole = map_find(m, sptep), j = hole;

	if (!m->slot[hole].level)
		return;
	m->count--;
	for (;;) {
		m->slot[hole].level = 0;
		do {
			j = (j + 1) & mask;
			if (!m->slot[j].level)
				return;
		} while (stays(map_home(m, m->slot[j].sptep), hole, j));
		m->slot[hole] = m->slot[j];
		hole = j;
	}
}

static int cmp_sptep(const void *pa, const void *pb)
{
	const struct spte_entry *a = pa, *b = pb;

	return a->sptep < b->sptep ? -1 : a->sptep > b->sptep;
}

void spte_map_export(const struct spte_map *m, struct spte_entry *out, bool sort)
{
	size_t i, n = 0;

	for (i = 0; i < map_slots(m); i++) {
		if (m->slot[i].level)
			out[n++] = m->slot[i];
	}
	if (sort)
		qsort(out, n, sizeof(*out), cmp_sptep);
}
