/*
 * guestmem.c: guest physical memory access through the memslots
 * (see guestmem.h).
 */
#include "hv/core/guestmem.h"
#include "hv/core/lib.h"
#include "hv/core/vm.h"
#include "mmu/mmu.h"
#include "mmu/env.h"

/* Call step(host pointer, offset in the buffer, bytes) for each piece of
 * [gpa, gpa+len) that lies within one guest page. */
static int for_each_page(struct vm *vm, gpa_t gpa, u64 len, bool write,
			 void (*step)(void *hva, u64 off, u64 n, void *ctx), void *ctx)
{
	u64 off = 0;
	while (off < len) {
		hpa_t hpa;
		u64 n = PAGE_SIZE - ((gpa + off) & (PAGE_SIZE - 1));
		if (n > len - off)
			n = len - off;
		if (mmu_gpa_to_hpa(vm->mmu, gpa + off, write, &hpa))
			return E_FAULT;
		step(env_hpa_to_va(hpa), off, n, ctx);
		off += n;
	}
	return 0;
}

static void copy_out(void *hva, u64 off, u64 n, void *ctx) { memcpy((u8 *)ctx + off, hva, n); }
static void copy_in(void *hva, u64 off, u64 n, void *ctx)  { memcpy(hva, (const u8 *)ctx + off, n); }
static void zero(void *hva, u64 off, u64 n, void *ctx)     { memset(hva, 0, n); }

int guest_read(struct vm *vm, void *dst, gpa_t gpa, u64 len)
{
	return for_each_page(vm, gpa, len, false, copy_out, dst);
}

int guest_write(struct vm *vm, gpa_t gpa, const void *src, u64 len)
{
	return for_each_page(vm, gpa, len, true, copy_in, (void *)src);
}

int guest_zero(struct vm *vm, gpa_t gpa, u64 len)
{
	return for_each_page(vm, gpa, len, true, zero, NULL);
}
