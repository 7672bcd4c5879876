/* Atomic file writes and whole-file reads.
 *
 * dn_afile writes to ".<name>.tmp-XXXXXX" next to the target (the same directory, hence the same
 * file system, so rename(2) is atomic), then fflush + fsync + close + rename + fsync of the
 * directory on commit: after a crash a reader sees the old file or the complete new one, never a
 * partial one, and after commit returns the new name is durable. The temporary file gets mode
 * 0644, or the mode of the file it replaces (mkstemp's 0600 would hide lake files from other
 * readers; reading the umask is not thread-safe, so it is not consulted). Path "-" is standard
 * output, written directly: there is nothing to rename, commit only flushes and checks errors.
 *
 * dn_read_file reads into a dn_buf with a ceiling so that a huge or endless input (a pipe on
 * stdin) fails with DN_ELIMIT naming the limit instead of exhausting memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

static const char *errstr(int e, char *buf, size_t n)
{
	return strerror_r(e, buf, n); /* GNU variant (_GNU_SOURCE): returns the text */
}

static void afile_clear(struct dn_afile *f)
{
	dn_free(f->path);
	dn_free(f->tmp_path);
	f->fp = NULL;
	f->path = NULL;
	f->tmp_path = NULL;
	f->is_stdout = 0;
	f->is_direct = 0;
}

int dn_afile_open(struct dn_afile *f, const char *path, struct dn_error *err)
{
	char eb[128];
	int rc = DN_EIO, fd = -1;
	memset(f, 0, sizeof *f);
	if (!path || !path[0])
		return dn_error_set(err, DN_EINVAL, "no output path given");
	f->path = dn_strdup(path);
	if (!f->path)
		goto nomem;
	if (strcmp(path, "-") == 0) {
		f->fp = stdout;
		f->is_stdout = 1;
		return 0;
	}
	struct stat pst;
	if (stat(path, &pst) == 0 && S_ISDIR(pst.st_mode)) {
		rc = dn_error_set(err, DN_EINVAL, "cannot write %s: it is a directory", path);
		goto fail;
	}
	if (stat(path, &pst) == 0 && !S_ISREG(pst.st_mode)) {
		/* A device or FIFO: renaming a temporary file over it would replace it. */
		f->fp = fopen(path, "wb");
		if (!f->fp) {
			int e = errno;
			rc = dn_error_set(err, DN_EIO, "cannot open %s for writing: %s", path,
					  errstr(e, eb, sizeof eb));
			goto fail;
		}
		f->is_direct = 1;
		return 0;
	}
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!base[0]) {
		rc = dn_error_set(err, DN_EINVAL, "cannot write %s: the path names a directory",
				  path);
		goto fail;
	}
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0; /* including the '/' */
	size_t tlen = dirlen + 1 + strlen(base) + 12 + 1;
	f->tmp_path = dn_malloc(tlen);
	if (!f->tmp_path)
		goto nomem;
	snprintf(f->tmp_path, tlen, "%.*s.%s.tmp-XXXXXX", (int)dirlen, path, base);
	fd = mkstemp(f->tmp_path);
	if (fd < 0) {
		int e = errno;
		rc = dn_error_set(err, DN_EIO, "cannot create a temporary file next to %s: %s",
				  path, errstr(e, eb, sizeof eb));
		dn_free(f->tmp_path);
		f->tmp_path = NULL; /* nothing to remove */
		goto fail;
	}
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
	if (fchmod(fd, mode) < 0) {
		int e = errno;
		rc = dn_error_set(err, DN_EIO, "cannot set the mode of a temporary file for %s: %s",
				  path, errstr(e, eb, sizeof eb));
		goto fail;
	}
	f->fp = fdopen(fd, "wb");
	if (!f->fp) {
		int e = errno;
		rc = dn_error_set(err, DN_EIO, "cannot open %s for writing: %s", path,
				  errstr(e, eb, sizeof eb));
		goto fail;
	}
	return 0;
nomem:
	rc = dn_error_set(err, DN_ENOMEM, "out of memory opening %s for writing", path);
fail:
	if (fd >= 0)
		close(fd);
	if (f->tmp_path)
		unlink(f->tmp_path);
	afile_clear(f);
	return rc;
}

int dn_afile_commit(struct dn_afile *f, struct dn_error *err)
{
	char eb[128];
	int e = 0;
	const char *what = NULL;
	if (!f->fp)
		return dn_error_set(err, DN_EINVAL, "commit of a file that is not open");
	if (f->is_stdout) {
		errno = 0;
		if (fflush(f->fp) != 0 || ferror(f->fp)) {
			e = errno ? errno : EIO;
			clearerr(f->fp);
			afile_clear(f);
			return dn_error_set(err, DN_EIO, "cannot write to standard output: %s",
					    errstr(e, eb, sizeof eb));
		}
		afile_clear(f);
		return 0;
	}
	if (f->is_direct) {
		errno = 0;
		int bad = fflush(f->fp) != 0 || ferror(f->fp);
		e = errno ? errno : EIO;
		if (fclose(f->fp) != 0 && !bad) {
			bad = 1;
			e = errno;
		}
		f->fp = NULL;
		int rc = bad ? dn_error_set(err, DN_EIO, "cannot write %s: %s", f->path,
					    errstr(e, eb, sizeof eb)) :
			       0;
		afile_clear(f);
		return rc;
	}
	FILE *fp = f->fp;
	f->fp = NULL;
	errno = 0;
	if (fflush(fp) != 0 || ferror(fp)) {
		e = errno ? errno : EIO;
		what = "cannot write";
	} else if (fsync(fileno(fp)) != 0) {
		e = errno;
		what = "cannot sync";
	}
	if (fclose(fp) != 0 && !what) {
		e = errno;
		what = "cannot write";
	}
	if (!what && rename(f->tmp_path, f->path) != 0) {
		e = errno;
		what = "cannot rename the temporary file onto";
	}
	if (what) {
		unlink(f->tmp_path);
		int rc = dn_error_set(err, DN_EIO, "%s %s: %s", what, f->path,
				      errstr(e, eb, sizeof eb));
		afile_clear(f);
		return rc;
	}
	/* Make the rename itself durable. */
	const char *slash = strrchr(f->path, '/');
	char dir[4096];
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == f->path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - f->path), f->path);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;
	if (dfd < 0 || fsync(dfd) != 0) {
		e = errno;
		/* Some file systems cannot sync directories; the data is in place regardless. */
		if (e != EINVAL && e != ENOTSUP)
			rc = dn_error_set(err, DN_EIO, "cannot sync the directory of %s: %s",
					  f->path, errstr(e, eb, sizeof eb));
	}
	if (dfd >= 0)
		close(dfd);
	afile_clear(f);
	return rc;
}

void dn_afile_abort(struct dn_afile *f)
{
	if (!f)
		return;
	if (f->fp && !f->is_stdout) {
		fclose(f->fp);
		if (f->tmp_path && !f->is_direct)
			unlink(f->tmp_path);
	} else if (f->fp) {
		fflush(f->fp);
	}
	afile_clear(f);
}

int dn_read_file(const char *path, struct dn_buf *out, size_t max, struct dn_error *err)
{
	char eb[128];
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "standard input" : path;
	FILE *fp = is_stdin ? stdin : fopen(path, "rb");
	if (!fp) {
		int e = errno;
		if (e == ENOENT)
			return dn_error_set(err, DN_ENOTFOUND, "cannot open %s: no such file",
					    path);
		return dn_error_set(err, DN_EIO, "cannot open %s: %s", path,
				    errstr(e, eb, sizeof eb));
	}
	size_t start = out->len, total = 0;
	int rc = 0;
	struct stat st;
	/* A regular file's size lets us allocate once (and fail early when it is too large). */
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if (max && (uint64_t)st.st_size > max) {
			rc = dn_error_set(err, DN_ELIMIT,
					  "%s is %lld bytes, larger than the limit of %zu bytes",
					  name, (long long)st.st_size, max);
			goto out;
		}
		if ((rc = dn_buf_reserve(out, (size_t)st.st_size, err)) < 0)
			goto out;
	}
	for (;;) {
		size_t want = 64 * 1024;
		if (out->data && out->cap - out->len > want + 1)
			want = out->cap - out->len - 1; /* fill what is already allocated */
		if (max && want > max - total + 1)
			want = max - total + 1; /* one byte more than allowed detects the excess */
		if ((rc = dn_buf_reserve(out, want, err)) < 0)
			goto out;
		size_t got = fread(out->data + out->len, 1, want, fp);
		out->len += got;
		total += got;
		out->data[out->len] = 0;
		if (max && total > max) {
			rc = dn_error_set(err, DN_ELIMIT,
					  "%s is larger than the limit of %zu bytes", name, max);
			goto out;
		}
		if (got < want) {
			if (ferror(fp)) {
				int e = errno;
				rc = dn_error_set(err, DN_EIO, "cannot read %s: %s", name,
						  errstr(e, eb, sizeof eb));
			}
			break;
		}
	}
out:
	if (rc < 0 && out->data) {
		out->len = start;
		out->data[start] = 0;
	}
	if (is_stdin)
		clearerr(stdin);
	else
		fclose(fp);
	if (rc == 0)
		rc = dn_buf_reserve(out, 0, err); /* data is non-NULL even for an empty file */
	return rc;
}
