/* Types and schemas: names of types, and the list of fields every batch carries a copy of.
 * Schemas are small (tens of fields), so lookups are linear scans. */
#include <string.h>

#include "data.h"

static const struct {
	const char *name;
	enum dn_type type;
} type_names[] = {
	{"bool", DN_BOOL},           {"boolean", DN_BOOL},       {"int64", DN_INT64},
	{"int", DN_INT64},           {"integer", DN_INT64},      {"bigint", DN_INT64},
	{"float64", DN_FLOAT64},     {"float", DN_FLOAT64},      {"double", DN_FLOAT64},
	{"real", DN_FLOAT64},        {"string", DN_STRING},      {"text", DN_STRING},
	{"varchar", DN_STRING},      {"str", DN_STRING},         {"date", DN_DATE},
	{"timestamp", DN_TIMESTAMP}, {"datetime", DN_TIMESTAMP},
};

const char *dn_type_name(enum dn_type t)
{
	switch (t) {
	case DN_BOOL:
		return "bool";
	case DN_INT64:
		return "int64";
	case DN_FLOAT64:
		return "float64";
	case DN_STRING:
		return "string";
	case DN_DATE:
		return "date";
	case DN_TIMESTAMP:
		return "timestamp";
	}
	return "unknown";
}

int dn_type_parse(const char *s, enum dn_type *out)
{
	for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
		if (dn_ascii_casecmp(s, type_names[i].name) == 0) {
			*out = type_names[i].type;
			return 0;
		}
	return DN_EPARSE;
}

void dn_schema_init(struct dn_schema *s)
{
	s->nfields = 0;
	s->fields = NULL;
}

void dn_schema_release(struct dn_schema *s)
{
	for (int i = 0; i < s->nfields; i++)
		dn_free(s->fields[i].name);
	dn_free(s->fields);
	s->nfields = 0;
	s->fields = NULL;
}

int dn_schema_add(struct dn_schema *s, const char *name, size_t name_len, enum dn_type type,
		  struct dn_error *err)
{
	struct dn_field *f = dn_realloc(s->fields, sizeof *f * (size_t)(s->nfields + 1));
	if (!f)
		return dn_error_set(err, DN_ENOMEM, "out of memory adding a column");
	s->fields = f;
	char *copy = dn_strndup(name, name_len);
	if (!copy)
		return dn_error_set(err, DN_ENOMEM, "out of memory adding a column");
	f[s->nfields].name = copy;
	f[s->nfields].type = type;
	s->nfields++;
	return 0;
}

int dn_schema_copy(struct dn_schema *dst, const struct dn_schema *src, struct dn_error *err)
{
	struct dn_schema tmp;
	dn_schema_init(&tmp);
	for (int i = 0; i < src->nfields; i++) {
		int rc = dn_schema_add(&tmp, src->fields[i].name, strlen(src->fields[i].name),
				       src->fields[i].type, err);
		if (rc < 0) {
			dn_schema_release(&tmp);
			return rc;
		}
	}
	dn_schema_release(dst);
	*dst = tmp;
	return 0;
}

int dn_schema_find(const struct dn_schema *s, const char *name)
{
	for (int i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return i;
	return -1;
}

int dn_schema_equal(const struct dn_schema *a, const struct dn_schema *b)
{
	if (a->nfields != b->nfields)
		return 0;
	for (int i = 0; i < a->nfields; i++)
		if (a->fields[i].type != b->fields[i].type ||
		    strcmp(a->fields[i].name, b->fields[i].name) != 0)
			return 0;
	return 1;
}
