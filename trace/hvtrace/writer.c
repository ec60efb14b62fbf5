/*
 * writer.c: atomic .hvt writer (writer.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "writer.h"

int hvt_writer_open(struct hvt_writer *w, const char *path)
{
	size_t n = strlen(path) + 32;

	memset(w, 0, sizeof(*w));
	w->final_path = strdup(path);
	w->tmp_path = malloc(n);
	if (!w->final_path || !w->tmp_path)
		return -1;
	snprintf(w->tmp_path, n, "%s.tmp.%d", path, (int)getpid());
	w->f = fopen(w->tmp_path, "w+b");
	if (!w->f)
		return -1;
	setvbuf(w->f, NULL, _IOFBF, 1 << 20);
	/* Room for the header, written at commit. */
	if (fseeko(w->f, HVT_HEADER_SIZE, SEEK_SET))
		return -1;
	return 0;
}

int hvt_writer_append(struct hvt_writer *w, const struct hvt_record *rec)
{
	w->appended++;
	return fwrite(rec, sizeof(*rec), 1, w->f) == 1 ? 0 : -1;
}

int hvt_writer_commit(struct hvt_writer *w, const struct hvt_stream_header *hdr, u64 records)
{
	int bad = fseeko(w->f, 0, SEEK_SET) ||
		  fwrite(hdr, sizeof(*hdr), 1, w->f) != 1 || fflush(w->f) ||
		  ftruncate(fileno(w->f), HVT_HEADER_SIZE + records * HVT_RECORD_SIZE);

	bad |= fclose(w->f) != 0;
	w->f = NULL;
	if (!bad)
		bad = rename(w->tmp_path, w->final_path) != 0;
	if (bad)
		unlink(w->tmp_path);
	free(w->tmp_path);
	free(w->final_path);
	w->tmp_path = w->final_path = NULL;
	return bad ? -1 : 0;
}

void hvt_writer_abort(struct hvt_writer *w)
{
	if (w->f)
		fclose(w->f);
	w->f = NULL;
	if (w->tmp_path)
		unlink(w->tmp_path);
	free(w->tmp_path);
	free(w->final_path);
	w->tmp_path = w->final_path = NULL;
}
