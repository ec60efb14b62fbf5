/*
 * producer.c: plays the hypervisor for the collect tests, with the real
 * rings (trace/ring.c) and 4 producer threads ("CPUs").
 *
 *   producer shm FILE KEY RECORDS [lossy|nodone|leak]
 *       FILE is a 16 MiB "RAM file" (as QEMU's memory-backend-file); the
 *       descriptor goes at physical 0x200000 (a page start, like hv's),
 *       256-record rings after it; sets done at the end (not with nodone:
 *       a run that never finishes; leak: a last seq is reserved and never
 *       emitted, a T1 bug the collector must report).
 *   producer stream FILE RECORDS
 *       no shared memory: the Bochs path. The stream header, then each CPU
 *       drains its own full ring into FILE (hvt_emit_sink), then the rest.
 *
 * Each CPU writes SPTE changes on its own 8 SPTEs (old = previous new, so
 * hvtrace check can verify T2 after the merge) between markers.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../ring.h"

#define NCPU     4
#define RAM      (16u << 20)
#define DESC_PA  0x200000u

void env_cpu_relax(void) { sched_yield(); }

static struct hvt_shm_desc *desc;
static u64 per_cpu;
static FILE *stream;
static pthread_mutex_t stream_lock = PTHREAD_MUTEX_INITIALIZER;

/* The Bochs port: one CPU's batch at a time. */
static void stream_sink(void *ctx, const struct hvt_record *recs, u64 n)
{
	pthread_mutex_lock(&stream_lock);
	fwrite(recs, sizeof(*recs), n, stream);
	pthread_mutex_unlock(&stream_lock);
}

static void *cpu(void *arg)
{
	u32 id = (u32)(uintptr_t)arg;
	u64 last[8] = { 0 }, rng = id * 7919 + 1;

	for (u64 k = 0; k < per_cpu; k++) {
		struct hvt_record r = { .vcpu = (u16)id, .type = HVT_MARKER, .tsc = k + 1 };
		unsigned s = k % 8;

		if (k % 2) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			r.type = HVT_SPTE_CHANGE;
			r.reason = HVT_SR_MAP;
			r.level = 1;
			r.a = s;
			r.b = 0x10000ull * (id + 1) + s * 8;
			r.c = last[s];
			r.d = last[s] = rng >> 12 << 12;
		}
		r.seq = hvt_reserve_seq(desc);   /* T3: before the "write" */
		hvt_emit_sink(desc, id, &r, stream ? stream_sink : NULL, NULL);
	}
	return NULL;
}

static struct hvt_stream_header header(void)
{
	struct hvt_stream_header h = { .magic = HVT_MAGIC, .version = HVT_VERSION,
		.header_size = HVT_HEADER_SIZE, .record_size = HVT_RECORD_SIZE,
		.vendor = HVT_VENDOR_HOST, .mmu_mode = HVT_MMU_TDP, .nr_vcpus = NCPU };

	h.spte.present_mask = 1;
	snprintf(h.scenario, sizeof(h.scenario), "test producer (trace/test/producer.c)");
	return h;
}

static void run_cpus(void)
{
	pthread_t t[NCPU];

	for (uintptr_t i = 0; i < NCPU; i++)
		pthread_create(&t[i], NULL, cpu, (void *)i);
	for (int i = 0; i < NCPU; i++)
		pthread_join(t[i], NULL);
}

static int shm(const char *path, u64 key, int lossy, int done, int leak)
{
	struct hvt_stream_header h = header();
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	u8 *ram;

	if (fd < 0 || ftruncate(fd, RAM))
		return perror(path), 1;
	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ram == MAP_FAILED)
		return perror("mmap"), 1;
	desc = hvt_shm_init(ram + DESC_PA, DESC_PA, hvt_shm_bytes(NCPU, 256), key, NCPU, lossy, &h);
	run_cpus();
	if (leak)
		hvt_reserve_seq(desc);
	if (done)
		hvt_finish(desc);
	munmap(ram, RAM);
	close(fd);
	return 0;
}

static int port(const char *path)
{
	struct hvt_stream_header h = header();
	void *mem = aligned_alloc(4096, hvt_shm_bytes(NCPU, 64));

	stream = fopen(path, "wb");
	if (!stream || !mem)
		return perror(path), 1;
	fwrite(&h, sizeof(h), 1, stream);
	desc = hvt_shm_init(mem, 0, hvt_shm_bytes(NCPU, 64), 0, NCPU, 0, &h);
	run_cpus();
	for (u32 i = 0; i < NCPU; i++)
		hvt_drain(desc, i, stream_sink, NULL);
	fclose(stream);
	free(mem);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "shm")) {
		per_cpu = strtoull(argv[4], NULL, 0) / NCPU;
		const char *mode = argc > 5 ? argv[5] : "";

		return shm(argv[2], strtoull(argv[3], NULL, 0), !strcmp(mode, "lossy"),
			   strcmp(mode, "nodone") != 0, !strcmp(mode, "leak"));
	}
	if (argc == 4 && !strcmp(argv[1], "stream")) {
		per_cpu = strtoull(argv[3], NULL, 0) / NCPU;
		return port(argv[2]);
	}
	fprintf(stderr, "usage: producer shm FILE KEY RECORDS [lossy|nodone|leak] | stream FILE RECORDS\n");
	return 2;
}
