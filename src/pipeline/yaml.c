/* A YAML document model on libyaml's event parser.
 *
 * libyaml does the hard part (the YAML grammar, quoting, block scalars) and reports events with
 * their marks; this file turns the events of one document into a tree of mappings, sequences and
 * scalars in an arena, each node carrying the line and column where it starts, so that every
 * later check can point at file:line:column. libyaml's own document loader is not used because
 * it expands aliases (a few bytes of anchors can become a huge tree) and keeps less position
 * information than we want.
 *
 * The tree is built with one explicit stack: children of open containers are pushed on a
 * growable array and copied into an exact-size arena array when their container closes, so the
 * arena never needs to grow an array in place. Depth, node count and input size have ceilings. */
#include <string.h>
#include <yaml.h>

#include "pipeline.h"

struct open_node {
	struct dn_yaml_node *node;
	size_t base; /* first child's index in the pending array */
};

static int yaml_limit(struct dn_error *err, const char *file, const yaml_mark_t *m,
		      const char *what, size_t limit)
{
	return dn_error_set_at(err, DN_ELIMIT, file, (int64_t)m->line + 1, (int64_t)m->column + 1,
			       "YAML document too large: more than %zu %s", limit, what);
}

static struct dn_yaml_node *new_node(struct dn_yaml_doc *doc, enum dn_yaml_kind kind,
				     const yaml_event_t *ev)
{
	struct dn_yaml_node *n = dn_arena_alloc(&doc->arena, sizeof *n);
	if (!n)
		return NULL;
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->line = (int64_t)ev->start_mark.line + 1;
	n->column = (int64_t)ev->start_mark.column + 1;
	n->start = ev->start_mark.index;
	n->end = ev->end_mark.index;
	return n;
}

int dn_yaml_parse(struct dn_yaml_doc *doc, const char *file, const char *text, size_t len,
		  struct dn_error *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct open_node stack[DN_YAML_MAX_DEPTH];
	int depth = 0, rc = 0, docs = 0, done = 0;
	struct dn_yaml_node **pending = NULL;
	size_t npending = 0, cappending = 0, nodes = 0;

	memset(doc, 0, sizeof *doc);
	dn_arena_init(&doc->arena, 0);
	doc->file = dn_strdup(file ? file : "");
	if (!doc->file)
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", file);
	if (len > DN_YAML_MAX_BYTES)
		return dn_error_set_at(err, DN_ELIMIT, file, 0, 0,
				       "file is larger than %u bytes, the limit for YAML files",
				       DN_YAML_MAX_BYTES);
	doc->text = dn_malloc(len + 1);
	if (!doc->text)
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", file);
	if (len)
		memcpy(doc->text, text, len);
	doc->text[len] = 0;
	doc->text_len = len;
	if (!yaml_parser_initialize(&parser))
		return dn_error_set(err, DN_ENOMEM, "out of memory starting the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)doc->text, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				rc = dn_error_set(err, DN_ENOMEM, "out of memory parsing YAML");
				goto out;
			}
			const char *problem = parser.problem ? parser.problem : "malformed YAML";
			rc = dn_error_set_at(err, DN_EPARSE, file,
					     (int64_t)parser.problem_mark.line + 1,
					     (int64_t)parser.problem_mark.column + 1,
					     "YAML syntax error: %s%s%s", problem,
					     parser.context ? " " : "",
					     parser.context ? parser.context : "");
			goto out;
		}
		struct dn_yaml_node *n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				rc = dn_error_set_at(err, DN_EPARSE, file,
						     (int64_t)ev.start_mark.line + 1,
						     (int64_t)ev.start_mark.column + 1,
						     "a second YAML document in one file; keep one "
						     "document per file");
				goto out_event;
			}
			break;
		case YAML_ALIAS_EVENT:
			rc = dn_error_set_at(
				err, DN_EPARSE, file, (int64_t)ev.start_mark.line + 1,
				(int64_t)ev.start_mark.column + 1,
				"YAML aliases (*name) are not supported; write the value "
				"out, or use the pipeline's defaults");
			goto out_event;
		case YAML_SCALAR_EVENT:
			n = new_node(doc, DN_YAML_SCALAR, &ev);
			if (!n)
				goto nomem;
			n->str = dn_arena_strndup(&doc->arena, (const char *)ev.data.scalar.value,
						  ev.data.scalar.length);
			if (!n->str)
				goto nomem;
			n->len = ev.data.scalar.length;
			n->raw = n->str;
			switch (ev.data.scalar.style) {
			case YAML_SINGLE_QUOTED_SCALAR_STYLE:
			case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
				n->style = DN_YAML_QUOTED;
				break;
			case YAML_LITERAL_SCALAR_STYLE:
			case YAML_FOLDED_SCALAR_STYLE:
				n->style = DN_YAML_BLOCK;
				break;
			default:
				n->style = DN_YAML_PLAIN;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = new_node(doc,
				     ev.type == YAML_MAPPING_START_EVENT ? DN_YAML_MAP :
									   DN_YAML_SEQ,
				     &ev);
			if (!n)
				goto nomem;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			/* libyaml pairs start and end events, so the stack is never empty here. */
			struct open_node *o = &stack[--depth];
			size_t count = npending - o->base;
			o->node->end = ev.end_mark.index;
			if (count) {
				o->node->items = dn_arena_alloc(&doc->arena,
								count * sizeof(*o->node->items));
				if (!o->node->items)
					goto nomem;
				memcpy(o->node->items, pending + o->base,
				       count * sizeof(*o->node->items));
			}
			o->node->len = o->node->kind == DN_YAML_MAP ? count / 2 : count;
			npending = o->base;
			/* Already counted and placed when it opened. */
			yaml_event_delete(&ev);
			continue;
		}
		default:
			break;
		}
		if (n) {
			if (++nodes > DN_YAML_MAX_NODES) {
				rc = yaml_limit(err, file, &ev.start_mark, "nodes",
						DN_YAML_MAX_NODES);
				goto out_event;
			}
			if (depth > 0) {
				struct dn_yaml_node *parent = stack[depth - 1].node;
				size_t nth = npending - stack[depth - 1].base;
				if (parent->kind == DN_YAML_MAP && nth % 2 == 0 &&
				    n->kind != DN_YAML_SCALAR) {
					rc = dn_error_set_at(err, DN_EPARSE, file, n->line,
							     n->column,
							     "mapping keys must be plain text, not "
							     "a %s",
							     n->kind == DN_YAML_MAP ? "mapping" :
										      "list");
					goto out_event;
				}
				if (npending == cappending) {
					size_t nc = cappending ? cappending * 2 : 64;
					void *p = dn_realloc(pending, nc * sizeof *pending);
					if (!p)
						goto nomem;
					pending = p;
					cappending = nc;
				}
				pending[npending++] = n;
			} else {
				doc->root = n;
			}
			if (n->kind != DN_YAML_SCALAR) {
				if (depth == DN_YAML_MAX_DEPTH) {
					rc = yaml_limit(err, file, &ev.start_mark,
							"levels of nesting", DN_YAML_MAX_DEPTH);
					goto out_event;
				}
				stack[depth].node = n;
				stack[depth].base = npending;
				depth++;
			}
		}
		yaml_event_delete(&ev);
	}
	goto out;
nomem:
	rc = dn_error_set(err, DN_ENOMEM, "out of memory parsing %s", file);
out_event:
	yaml_event_delete(&ev);
out:
	yaml_parser_delete(&parser);
	dn_free(pending);
	if (rc < 0)
		doc->root = NULL;
	return rc;
}

void dn_yaml_doc_release(struct dn_yaml_doc *doc)
{
	if (!doc)
		return;
	dn_arena_release(&doc->arena);
	dn_free(doc->file);
	dn_free(doc->text);
	memset(doc, 0, sizeof *doc);
}

const struct dn_yaml_node *dn_yaml_get(const struct dn_yaml_node *map, const char *key,
				       const struct dn_yaml_node **keynode)
{
	if (keynode)
		*keynode = NULL;
	if (!map || map->kind != DN_YAML_MAP)
		return NULL;
	for (size_t i = 0; i < map->len; i++) {
		const struct dn_yaml_node *k = map->items[2 * i];
		if (k->kind == DN_YAML_SCALAR && !strcmp(k->str, key)) {
			if (keynode)
				*keynode = k;
			return map->items[2 * i + 1];
		}
	}
	return NULL;
}

int dn_yaml_is_null(const struct dn_yaml_node *n)
{
	if (!n)
		return 1;
	if (n->kind != DN_YAML_SCALAR || n->style != DN_YAML_PLAIN)
		return 0;
	return !n->str[0] || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

const char *dn_yaml_shown(const struct dn_yaml_node *n)
{
	if (!n || n->kind != DN_YAML_SCALAR)
		return "...";
	return n->expanded ? n->raw : n->str;
}

int dn_yaml_bool(const struct dn_yaml_node *n, int *out)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no",
									       "off"};
	if (!n || n->kind != DN_YAML_SCALAR)
		return DN_EPARSE;
	for (int i = 0; i < 3; i++) {
		if (!dn_ascii_casecmp(n->str, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!dn_ascii_casecmp(n->str, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return DN_EPARSE;
}

int dn_yaml_i64(const struct dn_yaml_node *n, int64_t *out)
{
	if (!n || n->kind != DN_YAML_SCALAR)
		return DN_EPARSE;
	struct dn_str s = dn_str_trim(dn_str_make(n->str, n->len));
	if (!s.len || (s.len > 1 && s.ptr[0] == '+'))
		return DN_EPARSE;
	return dn_parse_i64(s.ptr, s.len, out) < 0 ? DN_EPARSE : 0;
}

/* Byte offset of character index ci in the source; walks from a cached point, so positions
 * asked for in document order cost O(distance). */
static size_t char_to_byte(struct dn_yaml_doc *doc, size_t ci)
{
	size_t c = 0, b = 0;
	if (ci >= doc->cur_char) {
		c = doc->cur_char;
		b = doc->cur_byte;
	}
	while (c < ci && b < doc->text_len) {
		b++;
		while (b < doc->text_len && ((unsigned char)doc->text[b] & 0xC0) == 0x80)
			b++;
		c++;
	}
	doc->cur_char = c;
	doc->cur_byte = b;
	return b;
}

void dn_yaml_position(struct dn_yaml_doc *doc, const struct dn_yaml_node *n, size_t off,
		      const char *needle, int64_t *line, int64_t *column)
{
	*line = n->line;
	*column = n->column; /* Offsets are in the value as written (before ${} substitution). */
	const char *val = n->raw ? n->raw : n->str;
	if (n->kind != DN_YAML_SCALAR || !doc->text || off > strlen(val))
		return;
	size_t nl = strlen(needle), k = 0;
	if (!nl)
		return;
	/* Which occurrence of needle in the value starts at off? */
	for (const char *p = val; (p = strstr(p, needle)) && (size_t)(p - val) < off; p++)
		k++;
	size_t b0 = char_to_byte(doc, n->start), b1 = char_to_byte(doc, n->end);
	if (b1 > doc->text_len || b1 < b0)
		return;
	size_t at = SIZE_MAX;
	for (size_t i = b0; i + nl <= b1; i++) {
		if (memcmp(doc->text + i, needle, nl) == 0) {
			if (k == 0) {
				at = i;
				break;
			}
			k--;
		}
	}
	if (at == SIZE_MAX)
		return;
	int64_t ln = n->line;
	size_t ls = b0;
	/* The node's own column tells where its line starts in characters. */
	int64_t col = n->column;
	for (size_t i = b0; i < at; i++) {
		if (doc->text[i] == '\n') {
			ln++;
			ls = i + 1;
			col = 1;
		}
	}
	for (size_t i = ls; i < at; i++)
		if (((unsigned char)doc->text[i] & 0xC0) != 0x80)
			col++;
	*line = ln;
	*column = col;
}
