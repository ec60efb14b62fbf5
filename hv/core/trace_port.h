/*
 * trace_port.h: the trace transport for machines without RAM shared with
 * the host (Bochs): records leave through an I/O port as a byte stream
 * that `hvtrace collect --stream FILE --out OUT.hvt` sorts into a trace.
 * Selected with trace=port on hv's command line (scripts/run-bochs.sh).
 */
#ifndef HV_CORE_TRACE_PORT_H
#define HV_CORE_TRACE_PORT_H

#include "trace/ring.h"

/* Start the stream: the header, once (trace/hvt_format.h). */
void trace_port_init(const struct hvt_stream_header *hdr);
/* hvt_sink_fn: send n records (ring order) out of the machine. Any CPU;
 * the stream is one lock, so each record leaves whole. */
void trace_port_sink(void *ctx, const struct hvt_record *recs, u64 n);
/* End of the run: drain every ring into the stream (other CPUs stopped). */
void trace_port_finish(struct hvt_shm_desc *desc, u32 nr_rings);

#endif
