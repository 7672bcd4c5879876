/* placeholder */
#include "quality_int.h"

int dn_check_run_sql(const struct dn_suite *s, struct dn_wh *wh, const char *table,
		     const struct dn_check_options *o, struct dn_suite_result *r,
		     struct dn_error *err)
{
	(void)s, (void)wh, (void)table, (void)o, (void)r;
	return dn_error_set(err, DN_ENOTSUP, "not yet");
}
