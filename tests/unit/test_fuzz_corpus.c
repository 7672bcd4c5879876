/* Every fuzz target's corpus — the seeds and every input that ever crashed a parser — replayed
 * through the target itself on every test run, so a fixed crash stays fixed. The build links each
 * fuzz/fuzz_NAME.c into the test binary with its entry point renamed dn_fuzz_NAME_one, and lists
 * the targets in fuzz_list.h. A target abort()s when its property fails, which fails the run. */
#include <dirent.h>
#include <stdint.h>

#include "../test.h"

#define DN_FUZZ_ENTRY(name) int dn_fuzz_##name##_one(const uint8_t *d, size_t n);
#include "fuzz_list.h"
#undef DN_FUZZ_ENTRY

static const struct {
	const char *name;
	int (*one)(const uint8_t *d, size_t n);
} targets[] = {
#define DN_FUZZ_ENTRY(name) {#name, dn_fuzz_##name##_one},
#include "fuzz_list.h"
#undef DN_FUZZ_ENTRY
};

DN_TEST(fuzz_corpus_replay)
{
	for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
		char dir[1024];
		int files = 0;
		snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", DN_SOURCE_DIR, targets[t].name);
		DIR *d = opendir(dir);
		if (!d) {
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "fuzz target %s has no corpus in %s", targets[t].name, dir);
			return;
		}
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			char path[1400];
			struct dn_buf data = DN_BUF_INIT;
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (dn_read_file(path, &data, 0, NULL) < 0)
				continue;
			/* An exact-size heap copy, as libFuzzer gives, so ASan sees overreads. */
			uint8_t *copy = dn_malloc(data.len ? data.len : 1);
			CHECK(copy != NULL);
			if (data.len)
				memcpy(copy, data.data, data.len);
			targets[t].one(copy, data.len);
			dn_free(copy);
			dn_buf_release(&data);
			files++;
		}
		closedir(d);
		if (files < 5) {
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "fuzz target %s: only %d corpus files", targets[t].name,
				     files);
			return;
		}
	}
}
