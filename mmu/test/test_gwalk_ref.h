/*
 * test_gwalk_ref.h: what the guest-walker tests share: a sparse guest
 * memory, the trace log of test_gwalk_env.c, and the reference model
 * (test_gwalk_ref.c), written from the SDM text without looking at
 * mmu/gwalk*.c, against which the walker is compared.
 */
#ifndef TEST_GWALK_REF_H
#define TEST_GWALK_REF_H

#include "../../include/hvlab/types.h"
#include "../../trace/hvt_format.h"
#include "../gwalk.h"

/* ---- sparse guest memory: a few 4 KiB pages at chosen gfns ---- */
#define TMEM_MAX_PAGES 32
struct tmem {
	int   n;                          /* pages in use */
	gfn_t gfn[TMEM_MAX_PAGES];        /* gfn of page i */
	u8    data[TMEM_MAX_PAGES][4096]; /* contents of page i */
	/* racing guest (A/D tests): before cmpxchg number race_at (1-based)
	 * the "guest" ORs race_set into / ANDs ~race_clear out of the entry
	 * being updated; race_every instead flips race_set on every cmpxchg. */
	int   cmpxchg_count;
	int   race_at;
	bool  race_every;
	u64   race_set, race_clear;
	int   reads;                      /* read_gpte calls */
};

u8  *tmem_page(struct tmem *m, gfn_t gfn, bool create); /* NULL if absent */
bool tmem_load(struct tmem *m, gpa_t gpa, int size, u64 *val);
bool tmem_store(struct tmem *m, gpa_t gpa, int size, u64 val);
void tmem_bind(struct tmem *m, struct gwalk_mem *mem);   /* walker's view */

/* ---- trace log (test_gwalk_env.c) ---- */
#define TEST_GWALK_LOG_MAX 4096
struct test_gwalk_log {
	int  n;
	bool overflow;
	struct hvt_record rec[TEST_GWALK_LOG_MAX];
};
extern struct test_gwalk_log test_gwalk_log;
void test_gwalk_log_clear(void);

/* ---- guest RAM behind the gwalk_vm.c binding (test_gwalk_env.c) ---- */
#define TEST_GWALK_RAM_SIZE 0x10000            /* gpa 0..64 KiB is RAM */
#define TEST_GWALK_RAM_RO   0xc000             /* ... read-only from here */
#define TEST_GWALK_VM       ((struct mmu_vm *)test_gwalk_ram) /* the only VM */
extern u8 test_gwalk_ram[TEST_GWALK_RAM_SIZE];

/* ---- the reference model ---- */
struct ref_read {
	int   level;                      /* 1 = 4K entry .. 5 = PML5E */
	gpa_t gpa;                        /* where the entry was read */
	u64   val;                        /* value read */
};

struct ref_out {
	int   status;                     /* 0, or E_FAULT: a table is not in memory */
	bool  fault;
	u32   error_code;
	gpa_t gpa;                        /* if !fault */
	int   leaf_level;                 /* if !fault */
	bool  user_page, writable_page, exec_page; /* effective rights */
	int   nreads;
	struct ref_read reads[5];
	int   nad;                        /* A/D updates done */
};

/* Walk like the SDM says; sets A/D in m directly (no races). */
void ref_walk(const struct gwalk_cpu *cpu, struct tmem *m, gva_t gva,
	      u32 access, struct ref_out *out);

#endif
