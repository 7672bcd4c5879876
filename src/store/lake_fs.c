/* The lake's object storage: key rules shared by every backend, and the local-folder backend.
 * A local put writes a temporary file next to the target, fsyncs it and renames it into place;
 * put-if-absent links the temporary file to the target name, which fails when the name exists,
 * so two writers can never both create the same commit record. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

#define MAX_KEY 1024

int dn_lake_key_check(const char *key, struct dn_error *err)
{
	size_t n = strlen(key);
	if (n == 0 || n > MAX_KEY || key[0] == '/')
		return dn_error_set(err, DN_EINVAL,
				    "'%.200s' is not a lake key (empty, too long, or "
				    "starting with '/')",
				    key);
	const char *seg = key;
	for (const char *p = key;; p++) {
		if (((unsigned char)*p < 0x20 && *p != 0) || *p == 0x7f)
			return dn_error_set(err, DN_EINVAL,
					    "lake key '%.200s' holds a control character", key);
		if (*p == '/' || *p == 0) {
			size_t len = (size_t)(p - seg);
			if (len == 0)
				return dn_error_set(err, DN_EINVAL,
						    "lake key '%.200s' has an empty segment", key);
			if ((len == 1 && seg[0] == '.') ||
			    (len == 2 && seg[0] == '.' && seg[1] == '.'))
				return dn_error_set(err, DN_EINVAL,
						    "lake key '%.200s' has a '.' or '..' segment",
						    key);
			if (*p == 0)
				break;
			seg = p + 1;
		}
	}
	return 0;
}

void dn_lake_objs_free(struct dn_lake_obj *objs, size_t n)
{
	for (size_t i = 0; objs && i < n; i++)
		dn_free(objs[i].key);
	dn_free(objs);
}

void dn_lake_fs_close(struct dn_lake_fs *fs)
{
	if (!fs)
		return;
	if (fs->refs > 0) {
		fs->refs--;
		return;
	}
	if (fs->ops && fs->ops->close)
		fs->ops->close(fs);
	dn_free(fs->root);
	dn_free(fs->local_root);
	dn_free(fs);
}

/* ---- the local backend ---- */

static int local_path(struct dn_lake_fs *fs, const char *key, struct dn_buf *out,
		      struct dn_error *err)
{
	DN_TRY(dn_lake_key_check(key, err));
	dn_buf_reset(out);
	return dn_buf_printf(out, err, "%s/%s", fs->local_root, key);
}

/* mkdir -p of the folder holding path. */
static int make_parents(const char *path, struct dn_error *err)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n >= sizeof buf)
		return dn_error_set(err, DN_ELIMIT, "path too long: %.200s", path);
	memcpy(buf, path, n + 1);
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = 0;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return dn_error_set(err, DN_EIO, "cannot create %s: %s", buf,
					    strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0777) < 0 && errno != EEXIST)
		return dn_error_set(err, DN_EIO, "cannot create %s: %s", buf, strerror(errno));
	return 0;
}

static int copy_fd(int in, int out, const char *from, const char *to, struct dn_error *err)
{
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return dn_error_set(err, DN_EIO, "cannot read %s: %s", from,
					    strerror(errno));
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return dn_error_set(err, DN_EIO, "cannot write %s: %s", to,
						    strerror(errno));
			off += w;
		}
	}
}

static int local_put_file(struct dn_lake_fs *fs, const char *key, const char *src,
			  struct dn_error *err)
{
	struct dn_buf path = DN_BUF_INIT;
	struct dn_afile f = {0};
	int in = -1;
	int rc = local_path(fs, key, &path, err);
	if (rc == 0 && strcmp(path.data, src) == 0)
		goto out; /* written in place already */
	if (rc == 0)
		rc = make_parents(path.data, err);
	/* A file on the same file system just moves into place. */
	if (rc == 0 && rename(src, path.data) == 0)
		goto out;
	if (rc == 0 && (in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		rc = dn_error_set(err, DN_EIO, "cannot open %s: %s", src, strerror(errno));
	if (rc == 0)
		rc = dn_afile_open(&f, path.data, err);
	if (rc == 0) {
		fflush(f.fp);
		rc = copy_fd(in, fileno(f.fp), src, path.data, err);
		if (rc == 0)
			rc = dn_afile_commit(&f, err);
		else
			dn_afile_abort(&f);
	}
out:
	if (in >= 0)
		close(in);
	dn_buf_release(&path);
	return rc;
}

static int local_put_mem(struct dn_lake_fs *fs, const char *key, const void *data, size_t len,
			 int if_absent, struct dn_error *err)
{
	struct dn_buf path = DN_BUF_INIT, tmp = DN_BUF_INIT;
	int fd = -1;
	int rc = local_path(fs, key, &path, err);
	if (rc == 0)
		rc = make_parents(path.data, err);
	if (rc == 0)
		rc = dn_buf_printf(&tmp, err, "%s.tmp-XXXXXX", path.data);
	if (rc == 0 && (fd = mkostemp(tmp.data, O_CLOEXEC)) < 0)
		rc = dn_error_set(err, DN_EIO, "cannot create a file next to %s: %s", path.data,
				  strerror(errno));
	for (size_t off = 0; rc == 0 && off < len;) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			rc = dn_error_set(err, DN_EIO, "cannot write %s: %s", tmp.data,
					  strerror(errno));
		else
			off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = dn_error_set(err, DN_EIO, "cannot sync %s: %s", tmp.data, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc == 0 && if_absent) {
		if (link(tmp.data, path.data) < 0)
			rc = errno == EEXIST ?
				     dn_error_set(err, DN_EEXISTS, "%s exists already", key) :
				     dn_error_set(err, DN_EIO, "cannot create %s: %s", path.data,
						  strerror(errno));
		unlink(tmp.data);
	} else if (rc == 0 && rename(tmp.data, path.data) < 0) {
		rc = dn_error_set(err, DN_EIO, "cannot rename into %s: %s", path.data,
				  strerror(errno));
	}
	if (rc < 0 && fd >= 0)
		unlink(tmp.data);
	if (rc == 0) {
		/* The new name is durable only once its folder is synced. */
		char *slash = strrchr(path.data, '/');
		*slash = 0;
		int dfd = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	dn_buf_release(&path);
	dn_buf_release(&tmp);
	return rc;
}

static int local_get_file(struct dn_lake_fs *fs, const char *key, const char *dst,
			  struct dn_error *err)
{
	struct dn_buf path = DN_BUF_INIT;
	struct dn_afile f = {0};
	int in = -1;
	int rc = local_path(fs, key, &path, err);
	if (rc == 0 && (in = open(path.data, O_RDONLY | O_CLOEXEC)) < 0)
		rc = errno == ENOENT ?
			     dn_error_set(err, DN_ENOTFOUND, "%s: no such lake file", key) :
			     dn_error_set(err, DN_EIO, "cannot open %s: %s", path.data,
					  strerror(errno));
	if (rc == 0)
		rc = dn_afile_open(&f, dst, err);
	if (rc == 0) {
		fflush(f.fp);
		rc = copy_fd(in, fileno(f.fp), path.data, dst, err);
		if (rc == 0)
			rc = dn_afile_commit(&f, err);
		else
			dn_afile_abort(&f);
	}
	if (in >= 0)
		close(in);
	dn_buf_release(&path);
	return rc;
}

static int local_get_mem(struct dn_lake_fs *fs, const char *key, struct dn_buf *out, size_t max,
			 struct dn_error *err)
{
	struct dn_buf path = DN_BUF_INIT;
	int rc = local_path(fs, key, &path, err);
	if (rc == 0 && access(path.data, F_OK) < 0 && errno == ENOENT)
		rc = dn_error_set(err, DN_ENOTFOUND, "%s: no such lake file", key);
	if (rc == 0)
		rc = dn_read_file(path.data, out, max, err);
	dn_buf_release(&path);
	return rc;
}

struct objlist {
	struct dn_lake_obj *v;
	size_t n, cap;
};

static int walk(const char *root, struct dn_buf *rel, struct objlist *l, struct dn_error *err)
{
	struct dn_buf dir = DN_BUF_INIT;
	int rc = dn_buf_printf(&dir, err, "%s/%s", root, rel->data ? rel->data : "");
	DIR *d = rc == 0 ? opendir(dir.data) : NULL;
	if (rc == 0 && !d) {
		rc = errno == ENOENT || errno == ENOTDIR ?
			     0 :
			     dn_error_set(err, DN_EIO, "cannot list %s: %s", dir.data,
					  strerror(errno));
		dn_buf_release(&dir);
		return rc;
	}
	struct dirent *e;
	size_t base = rel->len;
	while (rc == 0 && d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    strstr(e->d_name, ".tmp-"))
			continue; /* temporary files of writes in progress are not objects */
		rel->len = base;
		if (rel->data)
			rel->data[base] = 0;
		rc = dn_buf_puts(rel, e->d_name, err);
		struct stat st;
		struct dn_buf full = DN_BUF_INIT;
		if (rc == 0)
			rc = dn_buf_printf(&full, err, "%s/%s", root, rel->data);
		if (rc == 0 && stat(full.data, &st) < 0) {
			dn_buf_release(&full);
			continue; /* removed meanwhile */
		}
		dn_buf_release(&full);
		if (rc < 0)
			break;
		if (S_ISDIR(st.st_mode)) {
			rc = dn_buf_putc(rel, '/', err);
			if (rc == 0)
				rc = walk(root, rel, l, err);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (l->n == l->cap) {
			size_t nc = l->cap ? l->cap * 2 : 64;
			struct dn_lake_obj *nv = dn_realloc(l->v, nc * sizeof *nv);
			if (!nv) {
				rc = dn_error_set(err, DN_ENOMEM, "out of memory listing the lake");
				break;
			}
			l->v = nv;
			l->cap = nc;
		}
		struct dn_lake_obj *o = &l->v[l->n];
		o->key = dn_strdup(rel->data);
		o->size = (int64_t)st.st_size;
		o->mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
		if (!o->key)
			rc = dn_error_set(err, DN_ENOMEM, "out of memory listing the lake");
		else
			l->n++;
	}
	rel->len = base;
	if (rel->data)
		rel->data[base] = 0;
	if (d)
		closedir(d);
	dn_buf_release(&dir);
	return rc;
}

static int obj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dn_lake_obj *)a)->key, ((const struct dn_lake_obj *)b)->key);
}

static int local_list(struct dn_lake_fs *fs, const char *prefix, struct dn_lake_obj **objs,
		      size_t *n, struct dn_error *err)
{
	struct objlist l = {0};
	struct dn_buf rel = DN_BUF_INIT;
	*objs = NULL;
	*n = 0;
	/* Walk the deepest folder the prefix names, then keep the keys that start with it. */
	const char *slash = strrchr(prefix, '/');
	int rc = slash ? dn_buf_append(&rel, prefix, (size_t)(slash - prefix) + 1, err) : 0;
	if (rc == 0 && rel.len > 1) { /* the folder part, without its final '/' */
		rel.data[rel.len - 1] = 0;
		rc = dn_lake_key_check(rel.data, err);
		rel.data[rel.len - 1] = '/';
	}
	if (rc == 0)
		rc = walk(fs->local_root, &rel, &l, err);
	dn_buf_release(&rel);
	if (rc < 0) {
		dn_lake_objs_free(l.v, l.n);
		return rc;
	}
	size_t k = 0, plen = strlen(prefix);
	for (size_t i = 0; i < l.n; i++) {
		if (strncmp(l.v[i].key, prefix, plen) == 0)
			l.v[k++] = l.v[i];
		else
			dn_free(l.v[i].key);
	}
	if (k)
		qsort(l.v, k, sizeof *l.v, obj_cmp);
	if (!k) {
		dn_free(l.v);
		l.v = NULL;
	}
	*objs = l.v;
	*n = k;
	return 0;
}

static int local_remove(struct dn_lake_fs *fs, const char *key, struct dn_error *err)
{
	struct dn_buf path = DN_BUF_INIT;
	int rc = local_path(fs, key, &path, err);
	if (rc == 0 && unlink(path.data) < 0 && errno != ENOENT)
		rc = dn_error_set(err, DN_EIO, "cannot delete %s: %s", path.data, strerror(errno));
	dn_buf_release(&path);
	return rc;
}

static void local_close(struct dn_lake_fs *fs)
{
	(void)fs;
}

static const struct dn_lake_fs_ops local_ops = {
	"file",         local_close,   local_put_file, local_put_mem,
	local_get_file, local_get_mem, local_list,     local_remove,
};

int dn_lake_fs_open_local(struct dn_lake_fs **out, const char *dir, struct dn_error *err)
{
	*out = NULL;
	struct dn_lake_fs *fs = dn_calloc(1, sizeof *fs);
	if (!fs)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening the lake");
	fs->ops = &local_ops;
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	fs->root = dn_strndup(dir, n);
	fs->local_root = dn_strndup(dir, n);
	if (!fs->root || !fs->local_root) {
		dn_lake_fs_close(fs);
		return dn_error_set(err, DN_ENOMEM, "out of memory opening the lake");
	}
	/* The root and any missing parents (make_parents makes the folders above a path). */
	struct dn_buf inner = DN_BUF_INIT;
	int prc = dn_buf_printf(&inner, err, "%s/x", fs->local_root);
	if (prc == 0)
		prc = make_parents(inner.data, err);
	dn_buf_release(&inner);
	if (prc < 0) {
		dn_lake_fs_close(fs);
		return prc;
	}
	if (mkdir(fs->local_root, 0777) < 0 && errno != EEXIST) {
		int rc = dn_error_set(err, DN_EIO, "cannot create the lake folder %s: %s",
				      fs->local_root, strerror(errno));
		dn_lake_fs_close(fs);
		return rc;
	}
	*out = fs;
	return 0;
}
