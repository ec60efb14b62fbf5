/*
 * frames.h: a simple physical frame allocator over the Multiboot memory
 * map. It hands out 4 KiB frames above the guest image (low memory below
 * 1 MiB is left alone: the SMP trampoline lives there) by bumping a cursor
 * through the RAM regions; freed frames go on a free list.
 * Frames are returned zeroed. gva == gpa: the guest identity-maps its RAM.
 */
#ifndef GUEST_FRAMES_H
#define GUEST_FRAMES_H

#include "include/hvlab/types.h"

void  frames_init(void);
gpa_t frame_alloc(void);                           /* 0 when out of memory */
gpa_t frames_alloc_contig(u64 npages, u64 align);  /* 0 when no room */
void  frame_free(gpa_t gpa);
u64   frames_left(void);                           /* bytes the bump cursor can still give */

#endif
