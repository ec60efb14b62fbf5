/*
 * types.h: the fixed-width types and address kinds used everywhere.
 *
 * Freestanding-safe: only <stdint.h>, <stddef.h>, <stdbool.h>, which C11
 * guarantees even without a hosted library. Built into hv (freestanding),
 * into guests/ and into host tools and tests.
 *
 * Address kinds (never a bare "addr"):
 *   gva  guest virtual address        gpa  guest physical address
 *   gfn  guest frame number (gpa>>12) hpa  host physical address
 *   pfn  host frame number (hpa>>12)  hva  host virtual address (a pointer)
 */
#ifndef HVLAB_TYPES_H
#define HVLAB_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint8_t  u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t   s8;
typedef int16_t  s16;
typedef int32_t  s32;
typedef int64_t  s64;

typedef u64 gva_t;
typedef u64 gpa_t;
typedef u64 gfn_t;
typedef u64 hpa_t;
typedef u64 pfn_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1ull << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define BIT(n)         (1ull << (n))
#define GENMASK(h, l)  (((~0ull) >> (63 - (h))) & ~((1ull << (l)) - 1))
#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))

/* Errors: functions return 0 or a negative code from this list. */
#define E_OK       0
#define E_NOENT   (-2)   /* no such object (memslot, record, ...) */
#define E_NOMEM   (-12)  /* out of memory / cache ran dry */
#define E_FAULT   (-14)  /* bad guest address */
#define E_BUSY    (-16)  /* lost a race; caller retries */
#define E_EXIST   (-17)  /* already exists / overlaps */
#define E_INVAL   (-22)  /* bad argument */
#define E_RANGE   (-34)  /* out of range */
#define E_NOSYS   (-38)  /* no such operation */
#define E_NOTSUP  (-95)  /* not supported on this CPU/mode */

#endif
