/* Temporary definitions of the lake helpers every backend shares (dn_lake_key_check,
 * dn_lake_objs_free, dn_lake_fs_close), so that the S3 backend links and is tested on its own
 * branch. The lead's lake file defines them for good; this file is deleted on merge. */
#include <string.h>

#include "store_int.h"

/* Longest key accepted, in bytes (S3's limit). */
#define LAKE_KEY_MAX 1024

int dn_lake_key_check(const char *key, struct dn_error *err)
{
	if (!key || !key[0])
		return dn_error_set(err, DN_EINVAL,
				    "lake key is empty; name an object such as "
				    "\"raw/orders/part-0.csv\"");
	size_t n = strlen(key);
	if (n > LAKE_KEY_MAX)
		return dn_error_set(err, DN_EINVAL,
				    "lake key \"%.60s...\" is %zu bytes long; the limit is %d", key,
				    n, LAKE_KEY_MAX);
	if (key[0] == '/')
		return dn_error_set(err, DN_EINVAL,
				    "lake key \"%s\" starts with '/'; keys are relative to the "
				    "root",
				    key);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key[i];
		if (c < 0x20 || c == 0x7f)
			return dn_error_set(err, DN_EINVAL,
					    "lake key \"%.*s...\" has control character 0x%02x at "
					    "byte %zu; use printable characters",
					    (int)i, key, c, i);
	}
	/* Segments: none empty, none "." or "..". */
	const char *seg = key;
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
		if (len == 0)
			return dn_error_set(err, DN_EINVAL,
					    "lake key \"%s\" has an empty segment (\"//\" or a "
					    "trailing '/'); name an object, not a folder",
					    key);
		if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return dn_error_set(err, DN_EINVAL,
					    "lake key \"%s\" has a \"%.*s\" segment; keys are "
					    "plain paths under the root",
					    key, (int)len, seg);
		if (!slash)
			break;
		seg = slash + 1;
	}
	return 0;
}

void dn_lake_objs_free(struct dn_lake_obj *objs, size_t n)
{
	if (!objs)
		return;
	for (size_t i = 0; i < n; i++)
		dn_free(objs[i].key);
	dn_free(objs);
}

void dn_lake_fs_close(struct dn_lake_fs *fs)
{
	if (!fs)
		return;
	if (fs->ops && fs->ops->close)
		fs->ops->close(fs);
	dn_free(fs->root);
	dn_free(fs->local_root);
	dn_free(fs);
}
