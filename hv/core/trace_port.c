/*
 * trace_port.c: the trace stream through the first parallel port (LPT1).
 *
 * Bochs gives hv no memory the host can read while it runs, so the per-CPU
 * rings (trace/ring.h) are drained through an I/O port instead: each CPU
 * empties its own ring into trace_port_sink when the ring fills, and
 * trace_port_finish empties them all at the end. The stream is
 *
 *     struct hvt_stream_header        once, first
 *     struct hvt_record x N           64 bytes each, raw
 *
 * with the CPUs' records interleaved in batches; hvtrace collect --stream
 * sorts them by seq and checks that none is missing (T1) and that each
 * vCPU's records arrive in seq order (T4).
 *
 * The records leave exactly as the rings hold them, with no reordering:
 * a ring is already in seq order per vCPU, because whoever reserves a seq
 * emits that record before it emits any other (T3's reserve, write, emit
 * has nothing traced in between, and the MMU emits PT_ALLOC before the
 * SPTE_CHANGE that links the table, not around it), and hv's interrupt
 * handlers trace nothing (hv runs with interrupts off but for exit.c's
 * "sti; nop; cli" and vcpu.c's "sti; hlt; cli", outside any such sequence).
 * (Before PT_ALLOC moved, a per-vCPU reorder window here restored the
 * order; the collector's T4 check is what would catch a new exception.)
 *
 * Why LPT1 and not COM2: both are binary-clean in Bochs when written to a
 * file (`parport1: file=...`, `com2: mode=file`), but the UART is paced at
 * its baud rate: measured in Bochs 2.7 (ips=200M), 64 KiB took 22 s
 * through COM2 at 115200 baud and 0.5 s through LPT1, which has no timing.
 *
 * A byte on the parallel port (IBM PC parallel interface; Bochs
 * iodev/parallel.cc): put it on the data port, then pulse STROBE in the
 * control port; the printer takes the byte on the strobe's rising edge.
 *
 *   0x378 data      0x37a control: bit 0 STROBE, bit 2 /INIT (1 = run),
 *                                  bit 3 SELECT IN
 * On a machine without a parallel port the writes go nowhere.
 */
#include "hv/core/trace_port.h"
#include "hv/core/x86.h"
#include "include/hvlab/rwlock.h"

#define LPT1_DATA      0x378
#define LPT1_CONTROL   0x37a
#define CTRL_STROBE    0x01
#define CTRL_RUN       0x04            /* /INIT high: not resetting the printer */
#define CTRL_SELECT    0x08
#define CTRL_IDLE      (CTRL_RUN | CTRL_SELECT)

static struct spinlock port_lock;     /* one writer at a time: records stay whole */

static void port_put(const u8 *p, u64 n)
{
	for (u64 i = 0; i < n; i++) {
		outb(LPT1_DATA, p[i]);
		outb(LPT1_CONTROL, CTRL_IDLE | CTRL_STROBE);
		outb(LPT1_CONTROL, CTRL_IDLE);
	}
}

void trace_port_init(const struct hvt_stream_header *hdr)
{
	spin_lock(&port_lock);
	outb(LPT1_CONTROL, CTRL_IDLE);
	port_put((const u8 *)hdr, sizeof(*hdr));
	spin_unlock(&port_lock);
}

void trace_port_sink(void *ctx, const struct hvt_record *recs, u64 n)
{
	spin_lock(&port_lock);
	port_put((const u8 *)recs, n * sizeof(*recs));
	spin_unlock(&port_lock);
}

void trace_port_finish(struct hvt_shm_desc *desc, u32 nr_rings)
{
	for (u32 i = 0; i < nr_rings; i++)
		hvt_drain(desc, i, trace_port_sink, NULL);
}
