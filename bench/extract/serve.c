/* A static file server for the download benchmark, so the peer is never the bottleneck: one
 * process, one connection at a time, each file sent with sendfile(2) straight from the page
 * cache. It answers GET and HEAD for files under its folder (no directory listings, no ranges,
 * no keep-alive); anything else gets 404 or 400. It listens on 127.0.0.1 only.
 *
 *   serve DIR PORTFILE      bind a free port, write it to PORTFILE, serve until killed
 *
 * Benchmark code, not part of dunya: it uses plain libc and nothing from src/. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void reply(int c, const char *status)
{
	char h[256];
	int n = snprintf(h, sizeof h, "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
			 status);
	if (write(c, h, (size_t)n) < 0)
		return;
}

static void serve_one(int c, int dir)
{
	char req[8192], path[4096];
	size_t got = 0;
	while (got < sizeof req - 1) {
		ssize_t n = read(c, req + got, sizeof req - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	int head = !strncmp(req, "HEAD /", 6);
	if (!head && strncmp(req, "GET /", 5)) {
		reply(c, "400 Bad Request");
		return;
	}
	const char *p = req + (head ? 6 : 5);
	size_t len = strcspn(p, " ?\r\n");
	if (len == 0 || len >= sizeof path || memmem(p, len, "..", 2)) {
		reply(c, "404 Not Found");
		return;
	}
	memcpy(path, p, len);
	path[len] = 0;
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		reply(c, "404 Not Found");
		return;
	}
	char h[256];
	int n = snprintf(h, sizeof h,
			 "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			 "Content-Length: %lld\r\nConnection: close\r\n\r\n",
			 (long long)st.st_size);
	if (write(c, h, (size_t)n) == n && !head) {
		off_t off = 0;
		while (off < st.st_size) {
			ssize_t s = sendfile(c, fd, &off, (size_t)(st.st_size - off));
			if (s <= 0 && errno != EINTR)
				break;
		}
	}
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: serve DIR PORTFILE\n");
		return 2;
	}
	int dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (dir < 0 || s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0) {
		perror("serve");
		return 1;
	}
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 ||
	    rename(tmp, argv[2]) < 0) {
		perror("serve: port file");
		return 1;
	}
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(c, dir);
		shutdown(c, SHUT_WR);
		close(c);
	}
}
