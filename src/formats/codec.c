/* Compressed input and output: gzip (zlib) and zstd, as streams under the readers and writers.
 *
 * Input is recognised by its magic bytes, not its name, so a renamed file still reads; a reader
 * sees only decompressed bytes. Several concatenated gzip members or zstd frames read as one
 * stream, as gzip(1) and zstd(1) do. Output is compressed when the writer's codec says so
 * (by default from the path's .gz / .zst suffix). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "formats_int.h"

#define IN_CHUNK ((size_t)1 << 17)

const char *dn_codec_name(enum dn_codec c)
{
	switch (c) {
	case DN_CODEC_GZIP:
		return "gzip";
	case DN_CODEC_ZSTD:
		return "zstd";
	default:
		return "none";
	}
}

int dn_codec_parse(const char *s, enum dn_codec *out)
{
	if (!strcmp(s, "none"))
		*out = DN_CODEC_NONE;
	else if (!strcmp(s, "gzip") || !strcmp(s, "gz"))
		*out = DN_CODEC_GZIP;
	else if (!strcmp(s, "zstd") || !strcmp(s, "zst"))
		*out = DN_CODEC_ZSTD;
	else
		return DN_EPARSE;
	return 0;
}

const char *dn_codec_suffix(enum dn_codec c)
{
	return c == DN_CODEC_GZIP ? ".gz" : c == DN_CODEC_ZSTD ? ".zst" : "";
}

enum dn_codec dn_codec_from_path(const char *path, size_t *stem_len)
{
	size_t n = strlen(path);
	enum dn_codec c = DN_CODEC_NONE;
	size_t cut = 0;
	if (n > 3 && !dn_ascii_casecmp(path + n - 3, ".gz")) {
		c = DN_CODEC_GZIP;
		cut = 3;
	} else if (n > 4 && !dn_ascii_casecmp(path + n - 4, ".zst")) {
		c = DN_CODEC_ZSTD;
		cut = 4;
	}
	if (stem_len)
		*stem_len = n - cut;
	return c;
}

/* ---- input ---- */

struct dn_decoder {
	enum dn_codec codec;
	char *in;
	size_t in_len, in_pos;
	int in_eof;
	z_stream z;
	int z_init;
	int z_member_done; /* a gzip member ended; another may follow */
	ZSTD_DCtx *zd;
	int zstd_frame_open; /* inside a frame: its end must come before EOF */
};

static int64_t raw_read(struct dn_reader *r, char *dst, size_t n, struct dn_error *err)
{
	for (;;) {
		ssize_t got = read(r->src.fd, dst, n);
		if (got >= 0)
			return got;
		if (errno != EINTR)
			return dn_error_set_at(err, DN_EIO, r->name, 0, 0, "cannot read: %s",
					       strerror(errno));
	}
}

/* Refill the compressed input buffer. Returns bytes now available (0 at the end) or < 0. */
static int64_t fill_in(struct dn_reader *r, struct dn_decoder *d, struct dn_error *err)
{
	if (d->in_pos < d->in_len)
		return (int64_t)(d->in_len - d->in_pos);
	if (d->in_eof)
		return 0;
	int64_t got;
	if (r->src.fd >= 0) {
		got = raw_read(r, d->in, IN_CHUNK, err);
	} else {
		size_t left = r->src.mem_len - r->src.mem_pos;
		got = (int64_t)(left < IN_CHUNK ? left : IN_CHUNK);
		memcpy(d->in, r->src.mem + r->src.mem_pos, (size_t)got);
		r->src.mem_pos += (size_t)got;
	}
	if (got < 0)
		return got;
	d->in_pos = 0;
	d->in_len = (size_t)got;
	if (got == 0)
		d->in_eof = 1;
	return got;
}

static int corrupt(struct dn_reader *r, struct dn_decoder *d, const char *why, struct dn_error *err)
{
	return dn_error_set_at(err, DN_EPARSE, r->name, 0, 0,
			       "the %s data is damaged or truncated (%s); fetch the file again",
			       dn_codec_name(d->codec), why);
}

static int64_t gzip_read(struct dn_reader *r, struct dn_decoder *d, char *dst, size_t n,
			 struct dn_error *err)
{
	size_t out = 0;
	while (out < n) {
		int64_t avail = fill_in(r, d, err);
		if (avail < 0)
			return avail;
		if (avail == 0) {
			if (d->z_member_done)
				break;
			return corrupt(r, d, "the stream ends early", err);
		}
		if (d->z_member_done) {
			inflateReset(&d->z); /* a following member */
			d->z_member_done = 0;
		}
		d->z.next_in = (Bytef *)d->in + d->in_pos;
		d->z.avail_in = (uInt)(d->in_len - d->in_pos);
		d->z.next_out = (Bytef *)dst + out;
		d->z.avail_out = (uInt)(n - out);
		int zr = inflate(&d->z, Z_NO_FLUSH);
		d->in_pos = d->in_len - d->z.avail_in;
		out = n - d->z.avail_out;
		if (zr == Z_STREAM_END) {
			d->z_member_done = 1;
			if (out > 0)
				break;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			return corrupt(r, d, d->z.msg ? d->z.msg : "inflate failed", err);
		} else if (out > 0 && d->z.avail_in == 0) {
			break; /* hand out what we have rather than block on more input */
		}
	}
	return (int64_t)out;
}

static int64_t zstd_read(struct dn_reader *r, struct dn_decoder *d, char *dst, size_t n,
			 struct dn_error *err)
{
	ZSTD_outBuffer ob = {dst, n, 0};
	while (ob.pos < n) {
		int64_t avail = fill_in(r, d, err);
		if (avail < 0)
			return avail;
		if (avail == 0) {
			if (d->zstd_frame_open)
				return corrupt(r, d, "the stream ends early", err);
			break;
		}
		ZSTD_inBuffer ib = {d->in, d->in_len, d->in_pos};
		size_t zr = ZSTD_decompressStream(d->zd, &ob, &ib);
		d->in_pos = ib.pos;
		if (ZSTD_isError(zr))
			return corrupt(r, d, ZSTD_getErrorName(zr), err);
		d->zstd_frame_open = zr != 0;
		if (ob.pos > 0 && ib.pos == ib.size)
			break;
	}
	return (int64_t)ob.pos;
}

int64_t dn_decoder_read(struct dn_reader *r, char *dst, size_t n, struct dn_error *err)
{
	struct dn_decoder *d = r->src.dec;
	if (n == 0)
		return 0;
	return d->codec == DN_CODEC_GZIP ? gzip_read(r, d, dst, n, err) :
					   zstd_read(r, d, dst, n, err);
}

void dn_decoder_free(struct dn_decoder *d)
{
	if (!d)
		return;
	if (d->z_init)
		inflateEnd(&d->z);
	ZSTD_freeDCtx(d->zd);
	dn_free(d->in);
	dn_free(d);
}

int dn_decoder_rewind(struct dn_reader *r, struct dn_error *err)
{
	struct dn_decoder *d = r->src.dec;
	if (r->src.fd >= 0 ? lseek(r->src.fd, r->src.start, SEEK_SET) < 0 : 0)
		return dn_error_set_at(err, DN_EIO, r->name, 0, 0,
				       "cannot go back to the start of the input: %s",
				       strerror(errno));
	if (r->src.fd < 0)
		r->src.mem_pos = 0;
	d->in_len = d->in_pos = 0;
	d->in_eof = 0;
	d->z_member_done = 0;
	d->zstd_frame_open = 0;
	if (d->z_init)
		inflateReset(&d->z);
	if (d->zd)
		ZSTD_DCtx_reset(d->zd, ZSTD_reset_session_only);
	return 0;
}

/* Look at the first bytes of the input; when they are a gzip or zstd magic, put a decoder in
 * front of the source. The bytes read stay in the decoder's buffer (or, for plain input, in
 * src.peek) so nothing is lost on unseekable input. */
int dn_source_detect(struct dn_reader *r, struct dn_error *err)
{
	struct dn_source *s = &r->src;
	unsigned char m[4];
	size_t have = 0;
	if (s->fd < 0) {
		have = s->mem_len < 4 ? s->mem_len : 4;
		memcpy(m, s->mem, have);
	} else {
		s->start = lseek(s->fd, 0, SEEK_CUR);
		while (have < 4) {
			int64_t got = raw_read(r, (char *)m + have, 4 - have, err);
			if (got < 0)
				return (int)got;
			if (got == 0)
				break;
			have += (size_t)got;
		}
	}
	enum dn_codec c = DN_CODEC_NONE;
	if (have >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		c = DN_CODEC_GZIP;
	else if (have >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		c = DN_CODEC_ZSTD;
	if (c == DN_CODEC_NONE) {
		if (s->fd >= 0) {
			memcpy(s->peek, m, have);
			s->peek_len = have;
		}
		return 0;
	}
	struct dn_decoder *d = dn_calloc(1, sizeof *d);
	if (!d || !(d->in = dn_malloc(IN_CHUNK))) {
		dn_free(d);
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", r->name);
	}
	d->codec = c;
	s->dec = d;
	if (s->fd >= 0) {
		memcpy(d->in, m, have);
		d->in_len = have;
	}
	if (c == DN_CODEC_GZIP) {
		if (inflateInit2(&d->z, 15 + 32) != Z_OK)
			return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", r->name);
		d->z_init = 1;
	} else if (!(d->zd = ZSTD_createDCtx())) {
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", r->name);
	}
	return 0;
}

/* ---- output ---- */

struct dn_encoder {
	enum dn_codec codec;
	z_stream z;
	int z_init;
	ZSTD_CCtx *zc;
	char *out;
	size_t out_cap;
};

#define OUT_CHUNK ((size_t)1 << 18)

int dn_encoder_new(struct dn_encoder **out, enum dn_codec c, int level, struct dn_error *err)
{
	struct dn_encoder *e = dn_calloc(1, sizeof *e);
	if (!e || !(e->out = dn_malloc(OUT_CHUNK)))
		goto nomem;
	e->codec = c;
	e->out_cap = OUT_CHUNK;
	if (c == DN_CODEC_GZIP) {
		if (deflateInit2(&e->z, level ? level : 6, Z_DEFLATED, 15 + 16, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			goto nomem;
		e->z_init = 1;
	} else {
		if (!(e->zc = ZSTD_createCCtx()))
			goto nomem;
		ZSTD_CCtx_setParameter(e->zc, ZSTD_c_compressionLevel, level ? level : 3);
		/* Let zstd compress on other cores while the writer formats the next rows; a
		 * build without threads ignores this. */
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		if (ncpu > 1)
			ZSTD_CCtx_setParameter(e->zc, ZSTD_c_nbWorkers, (int)(ncpu > 8 ? 8 : ncpu));
	}
	*out = e;
	return 0;
nomem:
	dn_encoder_free(e);
	return dn_error_set(err, DN_ENOMEM, "out of memory starting %s compression",
			    dn_codec_name(c));
}

void dn_encoder_free(struct dn_encoder *e)
{
	if (!e)
		return;
	if (e->z_init)
		deflateEnd(&e->z);
	ZSTD_freeCCtx(e->zc);
	dn_free(e->out);
	dn_free(e);
}

int dn_encoder_write(struct dn_encoder *e, struct dn_writer *w, const char *p, size_t n, int end,
		     struct dn_error *err)
{
	if (e->codec == DN_CODEC_GZIP) {
		e->z.next_in = (Bytef *)p;
		e->z.avail_in = (uInt)n;
		for (;;) {
			e->z.next_out = (Bytef *)e->out;
			e->z.avail_out = (uInt)e->out_cap;
			int zr = deflate(&e->z, end ? Z_FINISH : Z_NO_FLUSH);
			if (zr == Z_STREAM_ERROR)
				return dn_error_set(err, DN_EINTERNAL, "gzip compression failed");
			DN_TRY(dn_writer_emit(w, e->out, e->out_cap - e->z.avail_out, err));
			if (end ? zr == Z_STREAM_END : e->z.avail_in == 0 && e->z.avail_out != 0)
				return 0;
		}
	}
	ZSTD_inBuffer ib = {p, n, 0};
	for (;;) {
		ZSTD_outBuffer ob = {e->out, e->out_cap, 0};
		size_t zr =
			ZSTD_compressStream2(e->zc, &ob, &ib, end ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(zr))
			return dn_error_set(err, DN_EINTERNAL, "zstd compression failed: %s",
					    ZSTD_getErrorName(zr));
		DN_TRY(dn_writer_emit(w, e->out, ob.pos, err));
		if (end ? zr == 0 : ib.pos == ib.size)
			return 0;
	}
}
