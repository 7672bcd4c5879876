/* libFuzzer target for lake commit records (and so the JSON document parser under them).
 *
 * Any input must be accepted or rejected with DN_EPARSE (or DN_ENOMEM), never crash or read past
 * n. An accepted record must survive a round trip: printed again by the writer's own code, it
 * parses to the same version, rows, bytes, schema and files. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dn_lake_version v, back;
	struct dn_buf text = DN_BUF_INIT;
	int rc = dn_lake_record_parse("fuzz.json", (const char *)d, n, &v, NULL);
	if (rc < 0) {
		if (rc != DN_EPARSE && rc != DN_ENOMEM)
			abort();
		return 0;
	}
	if (dn_lake_record_json("raw/fuzz", &v, &text, NULL) < 0)
		abort();
	if (dn_lake_record_parse("again.json", text.data, text.len, &back, NULL) < 0)
		abort();
	if (back.version != v.version || back.rows != v.rows || back.bytes != v.bytes ||
	    back.nfiles != v.nfiles || back.npcols != v.npcols ||
	    !dn_schema_equal(&back.schema, &v.schema) || back.committed_us != v.committed_us)
		abort();
	for (size_t i = 0; i < v.nfiles; i++)
		if (strcmp(back.files[i].path, v.files[i].path) ||
		    strcmp(back.files[i].partition, v.files[i].partition) ||
		    back.files[i].rows != v.files[i].rows)
			abort();
	dn_lake_version_release(&v);
	dn_lake_version_release(&back);
	dn_buf_release(&text);
	return 0;
}
