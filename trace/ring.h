/*
 * ring.h: the per-CPU trace rings that carry records out of the hypervisor.
 *
 * One struct hvt_shm_desc (trace/hvt_format.h) describes up to HVT_MAX_CPUS
 * rings that live in one contiguous piece of memory the caller provides:
 *
 *   mem                       mem + 4096              mem + 4096 + R*64
 *   +-------------------------+-----------------------+--------------------+
 *   | desc (page aligned;     | ring 0: R records     | ring 1: R records  | ...
 *   | the collector scans     | (64 bytes each)       |                    |
 *   | page starts for it)     |                       |                    |
 *   +-------------------------+-----------------------+--------------------+
 *
 * A ring is single-producer (the CPU that owns it) single-consumer (the host
 * collector through shared RAM, or the hypervisor itself through a sink).
 * head and tail only grow; the slot of index i is i & (size - 1).
 *
 * Invariants (cited as R1.. in ring.c and its tests):
 *  R1  0 <= head - tail <= size. Only the producer writes head, only the
 *      consumer writes tail.
 *  R2  A slot is written completely before head passes it (release store of
 *      head), and read completely before tail passes it (release store of
 *      tail): neither side ever sees half a record.
 *  R3  Lossless (desc->lossy == 0): every record given to hvt_emit ends up in
 *      the ring; a full ring makes the producer wait (or drain itself through
 *      a sink when no collector is attached).
 *  R4  Lossy: a record that finds the ring full is counted in ring.dropped
 *      and not written; the ring's next record that fits is followed by one
 *      HVT_DROP record (fresh seq) with the count, so T4 still holds.
 *  R5  Seqs come from one counter, desc->next_seq (T1): hvt_reserve_seq()
 *      is the only way to get one, and every seq reserved is emitted once
 *      (lossless) or counted as dropped (lossy).
 *
 * Freestanding-safe: includes only the shared freestanding headers; needs
 * env_cpu_relax() (declared in include/hvlab/rwlock.h) from its user.
 *
 * Use in hv (hv/core/env.c):
 *     hvt_shm_init(mem, mem_hpa, bytes, key, nr_cpus, 0, &header);  at boot
 *     seq = hvt_reserve_seq(desc);    before the SPTE write (T3)
 *     rec.seq = seq; ...; hvt_emit(desc, cpu, &rec);   after it
 *     hvt_finish(desc);               after the last record
 * Bochs, no shared RAM: hvt_emit_sink(desc, cpu, &rec, sink, ctx) drains the
 * CPU's own ring through sink when it is full and no collector is attached,
 * and hvt_drain(desc, cpu, sink, ctx) empties it at the end.
 */
#ifndef HVLAB_TRACE_RING_H
#define HVLAB_TRACE_RING_H

#include "hvt_format.h"
#include "../include/hvlab/atomic.h"

#define HVT_DESC_BYTES 4096u    /* the descriptor's page; rings follow it */

/* Receives n records, in ring order (seq increasing, T4). Called on the
 * draining CPU; a sink shared by several CPUs serializes itself. */
typedef void (*hvt_sink_fn)(void *ctx, const struct hvt_record *recs, u64 n);

/* Bytes of memory for a descriptor and nr_rings rings of ring_records each. */
u64 hvt_shm_bytes(u32 nr_rings, u64 ring_records);

/* Lay out the descriptor at mem (page aligned) and the rings after it, fill
 * the header copy from *hdr, zero the counters. mem_pa is mem's physical
 * address (hv) or its offset in the shared RAM file (tests). ring_records
 * is chosen so the rings fill bytes (rounded down to a power of two, at
 * least 2); pass bytes = hvt_shm_bytes(n, R) to get exactly R.
 * Returns the descriptor, or NULL if bytes is too small, nr_rings is 0 or
 * above HVT_MAX_CPUS, or mem is not page aligned. */
struct hvt_shm_desc *hvt_shm_init(void *mem, u64 mem_pa, u64 bytes, u64 key,
				  u32 nr_rings, u32 lossy,
				  const struct hvt_stream_header *hdr);

/* The next global sequence number (R5, T1, T3). */
u64 hvt_reserve_seq(struct hvt_shm_desc *desc);

/* Copy *rec (seq filled in) into CPU cpu's ring. Returns 0, or 1 if the
 * record was dropped (lossy mode, R4), or E_INVAL for a bad cpu. */
int hvt_emit(struct hvt_shm_desc *desc, u32 cpu, const struct hvt_record *rec);

/* As hvt_emit, but when the ring is full and no collector is attached the
 * producer drains its own ring into sink instead of waiting (R3). */
int hvt_emit_sink(struct hvt_shm_desc *desc, u32 cpu, const struct hvt_record *rec,
		  hvt_sink_fn sink, void *ctx);

/* Consumer: pass every record now in CPU cpu's ring to sink (in batches, in
 * ring order) and advance tail. Returns the number of records passed. */
u64 hvt_drain(struct hvt_shm_desc *desc, u32 cpu, hvt_sink_fn sink, void *ctx);

/* Records waiting in CPU cpu's ring. */
u64 hvt_ring_used(const struct hvt_shm_desc *desc, u32 cpu);

/* The record array of ring i, as a pointer in the caller's mapping. */
struct hvt_record *hvt_ring_records(const struct hvt_shm_desc *desc, u32 i);

/* Mark the end of the run: every record is in a ring (done = 1). */
void hvt_finish(struct hvt_shm_desc *desc);

#endif
