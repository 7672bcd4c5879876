/* gen_csv: write a deterministic CSV for the read benchmark.
 *
 *   gen_csv N OUT.csv
 *
 * Columns: id,ts,category,amount,quantity,email,active
 *   id        int 1..N
 *   ts        YYYY-MM-DDTHH:MM:SS, uniform over 2024 (a leap year)
 *   category  one of 20 fixed words
 *   amount    decimal with 2 places, 0.00..99999.99; about 5% of fields empty
 *   quantity  int 0..10000
 *   email     <name><0..99999>@example.com
 *   active    true/false
 *
 * The output depends only on N (fixed seed, own PRNG), so every machine
 * produces byte-identical files. Output is formatted by hand into a large
 * buffer; there is no printf per field.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x5eed2024d0c5a11dULL;

static uint64_t splitmix64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) without modulo bias worth caring about (Lemire's multiply). */
static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(((splitmix64() >> 32) * (uint64_t)n) >> 32);
}

static const char *const categories[20] = {
	"electronics", "books",   "clothing", "grocery",   "toys",    "garden", "sports",
	"automotive",  "beauty",  "health",   "music",     "movies",  "office", "pets",
	"tools",       "jewelry", "shoes",    "furniture", "kitchen", "travel",
};

static const char *const names[16] = {
	"alice", "bob",  "carol",   "dave", "erin",   "frank", "grace",  "heidi",
	"ivan",  "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil",
};

static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

#define BUF_SIZE (1 << 20)
static char buf[BUF_SIZE];
static size_t buf_len;
static FILE *out;
static const char *out_path;

static void flush_buf(void)
{
	if (buf_len && fwrite(buf, 1, buf_len, out) != buf_len) {
		fprintf(stderr, "gen_csv: write %s: %s\n", out_path, strerror(errno));
		exit(1);
	}
	buf_len = 0;
}

/* Writes the decimal digits of v at p; returns the new end. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_2d(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen_csv N OUT.csv\n");
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(argv[1], &end, 10);
	if (errno || *end || end == argv[1]) {
		fprintf(stderr, "gen_csv: bad row count '%s'\n", argv[1]);
		return 2;
	}
	out_path = argv[2];
	out = fopen(out_path, "wb");
	if (!out) {
		fprintf(stderr, "gen_csv: open %s: %s\n", out_path, strerror(errno));
		return 1;
	}

	buf_len = (size_t)(put_str(buf, "id,ts,category,amount,quantity,email,active\n") - buf);

	for (unsigned long long id = 1; id <= n; id++) {
		if (buf_len > BUF_SIZE - 256)
			flush_buf();
		char *p = buf + buf_len;

		p = put_u64(p, id);
		*p++ = ',';

		/* Timestamp: a uniform second of 2024. */
		uint32_t sec = rnd(366u * 86400u);
		uint32_t day = sec / 86400u, tod = sec % 86400u;
		unsigned month = 0;
		while (day >= (uint32_t)month_days[month])
			day -= (uint32_t)month_days[month++];
		p = put_str(p, "2024-");
		p = put_2d(p, month + 1);
		*p++ = '-';
		p = put_2d(p, day + 1);
		*p++ = 'T';
		p = put_2d(p, tod / 3600);
		*p++ = ':';
		p = put_2d(p, tod / 60 % 60);
		*p++ = ':';
		p = put_2d(p, tod % 60);
		*p++ = ',';

		p = put_str(p, categories[rnd(20)]);
		*p++ = ',';

		/* Amount: ~5% empty, else 0.00..99999.99 skewed towards small values. */
		if (rnd(100) >= 5) {
			uint32_t cents = rnd(10000000u);
			if (rnd(4))
				cents /= 100; /* three quarters of them below 1000.00 */
			p = put_u64(p, cents / 100);
			*p++ = '.';
			p = put_2d(p, cents % 100);
		}
		*p++ = ',';

		p = put_u64(p, rnd(10001));
		*p++ = ',';

		p = put_str(p, names[rnd(16)]);
		p = put_u64(p, rnd(100000));
		p = put_str(p, "@example.com,");

		p = put_str(p, rnd(2) ? "true\n" : "false\n");

		buf_len = (size_t)(p - buf);
	}
	flush_buf();
	if (fclose(out) != 0) {
		fprintf(stderr, "gen_csv: close %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	return 0;
}
