/*
 * u64map.c: u64 -> u64 hash map (u64map.h).
 */
#include <stdlib.h>
#include "u64map.h"

static u64 hash(u64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

int u64map_init(struct u64map *m, u64 cap_hint)
{
	u64 cap = 16;

	while (cap < cap_hint * 2)
		cap <<= 1;
	m->slots = calloc(cap, sizeof(*m->slots));
	m->cap = cap;
	m->len = 0;
	return m->slots ? 0 : -1;
}

static struct u64map_slot *find(const struct u64map *m, u64 key)
{
	u64 i = hash(key) & (m->cap - 1);

	while (m->slots[i].used && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

u64 *u64map_get(struct u64map *m, u64 key)
{
	struct u64map_slot *s = find(m, key);

	return s->used ? &s->value : NULL;
}

static int grow(struct u64map *m)
{
	struct u64map old = *m;

	if (u64map_init(m, old.cap))
		return *m = old, -1;
	for (u64 i = 0; i < old.cap; i++)
		if (old.slots[i].used)
			u64map_put(m, old.slots[i].key, old.slots[i].value);
	free(old.slots);
	return 0;
}

int u64map_put(struct u64map *m, u64 key, u64 value)
{
	struct u64map_slot *s;

	if ((m->len + 1) * 2 > m->cap && grow(m))
		return -1;
	s = find(m, key);
	if (!s->used) {
		s->used = 1;
		s->key = key;
		m->len++;
	}
	s->value = value;
	return 0;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
void u64map_del(struct u64map *m, u64 key)
{
	struct u64map_slot *s = find(m, key);
	u64 i, j, mask = m->cap - 1;

	if (!s->used)
		return;
	i = (u64)(s - m->slots);
	for (j = (i + 1) & mask; m->slots[j].used; j = (j + 1) & mask) {
		u64 home = hash(m->slots[j].key) & mask;

		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].used = 0;
	m->len--;
}

void u64map_free(struct u64map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}
