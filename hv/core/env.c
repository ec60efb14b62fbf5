/*
 * env.c: hv's implementation of mmu/env.h, the MMU's whole view of the
 * world: pages from the physical allocator (palloc.c), small objects from
 * size-class free lists, TLB flushes as vCPU requests with kicks
 * (request.c), panics and logging on the console. The trace functions are
 * in trace.c. hpa == hva: hv maps physical memory 1:1 (boot/entry.S).
 */
#include "mmu/env.h"
#include "hv/core/lib.h"
#include "hv/core/palloc.h"
#include "hv/core/panic.h"
#include "hv/core/request.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"

void *env_alloc_page(void)
{
	return (void *)palloc_alloc(1, 1);
}

void env_free_page(void *va)
{
	if (va)
		palloc_free((hpa_t)va, 1);
}

hpa_t env_alloc_backing(u64 npages, u64 align_pages)
{
	return palloc_alloc(npages, align_pages);
}

void env_free_backing(hpa_t base, u64 npages)
{
	if (base)
		palloc_free(base, npages);
}

void *env_hpa_to_va(hpa_t hpa) { return (void *)hpa; }
hpa_t env_va_to_hpa(const void *va) { return (hpa_t)va; }

/* ---- small objects: power-of-two size classes 16..2048 carved from pages;
 * larger objects take whole pages. Free objects are kept on their class's
 * list (never returned to palloc). ---- */

#define MIN_SHIFT 4
#define MAX_SHIFT 11

struct free_obj { struct free_obj *next; };
static struct free_obj *free_list[MAX_SHIFT + 1];
static struct spinlock zalloc_lock;

static int size_class(size_t bytes)
{
	int s = MIN_SHIFT;
	while ((1ul << s) < bytes)
		s++;
	return s;
}

static void refill(int s)
{
	u8 *page = env_alloc_page();
	if (!page)
		return;
	for (size_t off = 0; off < PAGE_SIZE; off += 1ul << s) {
		struct free_obj *o = (void *)(page + off);
		o->next = free_list[s];
		free_list[s] = o;
	}
}

void *env_zalloc(size_t bytes)
{
	if (bytes > (1ul << MAX_SHIFT))
		return (void *)palloc_alloc((bytes + PAGE_SIZE - 1) >> PAGE_SHIFT, 1);
	int s = size_class(bytes);
	spin_lock(&zalloc_lock);
	if (!free_list[s])
		refill(s);
	struct free_obj *o = free_list[s];
	if (o)
		free_list[s] = o->next;
	spin_unlock(&zalloc_lock);
	if (o)
		memset(o, 0, 1ul << s);
	return o;
}

void env_free(void *p, size_t bytes)
{
	if (!p)
		return;
	if (bytes > (1ul << MAX_SHIFT)) {
		palloc_free((hpa_t)p, (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT);
		return;
	}
	int s = size_class(bytes);
	memset(p, 0x5a, 1ul << s);               /* junk: catch use after free */
	struct free_obj *o = p;
	spin_lock(&zalloc_lock);
	o->next = free_list[s];
	free_list[s] = o;
	spin_unlock(&zalloc_lock);
}

void env_cpu_relax(void) { cpu_relax(); }
u64  env_tsc(void) { return rdtsc(); }

/* Every targeted vCPU gets REQ_TLB_FLUSH; the ones in guest mode are
 * kicked, and we wait until each has left guest mode. A flush always
 * covers the vCPU's whole ASID/VPID: simple and always sufficient
 * (gfn/npages only narrow what a smarter backend could flush). */
void env_tlb_flush(void *env_ctx, u64 vcpu_mask, gfn_t gfn, u64 npages)
{
	struct vm *vm = env_ctx ? env_ctx : &the_vm;
	vm_request_and_wait(vm, vcpu_mask, REQ_TLB_FLUSH);
}

_Noreturn void env_panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	panic("mmu: %s", buf);
}

void env_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("hv: mmu: %s\n", buf);
}
