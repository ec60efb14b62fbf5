/*
 * u64map.h: open-addressing hash map from u64 keys to u64 values (linear
 * probing, power-of-two capacity, grows at 1/2 full). Key 0 is allowed:
 * an empty slot is marked by its own flag, not by a key value.
 * Used by check (sptep -> last SPTE, T2), export (open faults), synth.
 */
#ifndef HVLAB_HVTRACE_U64MAP_H
#define HVLAB_HVTRACE_U64MAP_H

#include "../hvt_format.h"

struct u64map_slot { u64 key, value; u8 used; };

struct u64map {
	struct u64map_slot *slots;
	u64 cap, len;
};

int  u64map_init(struct u64map *m, u64 cap_hint);
/* Pointer to key's value or NULL. */
u64 *u64map_get(struct u64map *m, u64 key);
/* Insert or overwrite; returns 0 or -1 (no memory). */
int  u64map_put(struct u64map *m, u64 key, u64 value);
void u64map_del(struct u64map *m, u64 key);
void u64map_free(struct u64map *m);

#endif
