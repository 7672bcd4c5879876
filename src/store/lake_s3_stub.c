/* Placeholder until the S3 backend lands: s3:// lake roots answer DN_ENOTSUP. */
#include <string.h>

#include "store_int.h"

void dn_s3_options_init(struct dn_s3_options *o)
{
	memset(o, 0, sizeof *o);
	o->retries = -1;
}

int dn_lake_fs_open_s3(struct dn_lake_fs **out, const char *url, const struct dn_s3_options *opt,
		       struct dn_error *err)
{
	(void)url;
	(void)opt;
	*out = NULL;
	return dn_error_set(err, DN_ENOTSUP, "S3 lake roots are not supported by this build");
}
