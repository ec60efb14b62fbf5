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
 * with the CPUs' records interleaved in batches (each CPU's own in seq
 * order, T4); hvtrace collect --stream sorts them by seq (T1).
 *
 * A ring holds records in emission order, which can differ from seq order
 * by a few places: T3 lets a record reserve its seq, then emit others
 * (e.g. the MMU's PT_ALLOC around the SPTE_CHANGE that links the table),
 * then emit itself. A small reorder window per vCPU (REORDER records)
 * puts such records back in seq order before they leave, so the stream
 * keeps T4; records displaced by more than the window are not fixed.
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

#define REORDER        16

static struct spinlock port_lock;     /* one writer at a time: records stay whole */

/* Per vCPU: records held back, sorted by seq (port_lock). */
struct reorder {
	struct hvt_record rec[REORDER];
	u32 n;
};
static struct reorder held[HVT_MAX_CPUS];

static void port_put(const u8 *p, u64 n)
{
	for (u64 i = 0; i < n; i++) {
		outb(LPT1_DATA, p[i]);
		outb(LPT1_CONTROL, CTRL_IDLE | CTRL_STROBE);
		outb(LPT1_CONTROL, CTRL_IDLE);
	}
}

/* Hold rec in its vCPU's window; when the window is full the lowest seq
 * leaves first. Records made outside any vCPU have no order to keep. */
static void put_record(const struct hvt_record *rec)
{
	if (rec->vcpu >= HVT_MAX_CPUS) {
		port_put((const u8 *)rec, sizeof(*rec));
		return;
	}
	struct reorder *h = &held[rec->vcpu];
	if (h->n == REORDER) {
		port_put((const u8 *)&h->rec[0], sizeof(h->rec[0]));
		for (u32 i = 1; i < h->n; i++)
			h->rec[i - 1] = h->rec[i];
		h->n--;
	}
	u32 i = h->n;
	for (; i > 0 && h->rec[i - 1].seq > rec->seq; i--)
		h->rec[i] = h->rec[i - 1];
	h->rec[i] = *rec;
	h->n++;
}

static void flush_held(void)
{
	for (u32 v = 0; v < HVT_MAX_CPUS; v++) {
		port_put((const u8 *)held[v].rec, held[v].n * sizeof(held[v].rec[0]));
		held[v].n = 0;
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
	for (u64 i = 0; i < n; i++)
		put_record(&recs[i]);
	spin_unlock(&port_lock);
}

void trace_port_finish(struct hvt_shm_desc *desc, u32 nr_rings)
{
	for (u32 i = 0; i < nr_rings; i++)
		hvt_drain(desc, i, trace_port_sink, NULL);
	spin_lock(&port_lock);
	flush_held();
	spin_unlock(&port_lock);
}
