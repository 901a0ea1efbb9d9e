// SPDX-License-Identifier: GPL-2.0
/*
 * drm_test: the userspace half of the kernel::drm proof. Drives
 * rust_drm_sample (qemu-tests/samples/rust_drm_sample.rs) through the DRM
 * core's ioctls and the driver's own, using only the kernel's uapi headers
 * (and the driver's, kgen_drm_sample.h). Prints KTAP on stdout.
 *
 * Built static in the toolchain root by qemu-tests/run.sh:
 *   cc -static -O2 -Wall -Werror -I<tree>/usr/include drm_test.c -o drm_test
 *
 *   drm_test          the full test set (KTAP)
 *   drm_test --cycle  open both nodes, make, write, read and export a buffer,
 *                     close everything; exit status only (the load/unload cycles)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/drm_mode.h>

#include "kgen_drm_sample.h"

/* The layouts the Rust driver declares (drm_uapi_struct! in rust_drm_sample.rs). */
_Static_assert(sizeof(struct drm_kgen_sample_create) == 16, "create");
_Static_assert(sizeof(struct drm_kgen_sample_rw) == 32, "rw");
_Static_assert(sizeof(struct drm_kgen_sample_info) == 24, "info");
_Static_assert(sizeof(struct drm_kgen_sample_destroy) == 8, "destroy");
_Static_assert(sizeof(struct drm_kgen_sample_map) == 16, "map");

#define NAME "kgen_sample"

static int n, failed, quiet;

static void result(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	n++;
	if (!ok)
		failed++;
	if (quiet)
		return;
	printf("%sok %d - drm: ", ok ? "" : "not ", n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ioctl that retries on EINTR/EAGAIN, as libdrm's drmIoctl; returns 0 or an errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? errno : 0;
}

/* Opens the node of @prefix (card, renderD) whose driver is NAME; -1 if none. */
static int open_node(const char *prefix, char *path, size_t len)
{
	DIR *d = opendir("/dev/dri");
	struct dirent *e;
	int fd = -1;

	if (!d)
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		char name[64] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int f;

		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, len, "/dev/dri/%s", e->d_name);
		f = open(path, O_RDWR | O_CLOEXEC);
		if (f < 0)
			continue;
		if (!xioctl(f, DRM_IOCTL_VERSION, &v) && !strcmp(name, NAME))
			fd = f;
		else
			close(f);
	}
	closedir(d);
	return fd;
}

static int create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_kgen_sample_create c = { .size = size };
	int ret = xioctl(fd, DRM_IOCTL_KGEN_SAMPLE_CREATE, &c);

	*handle = c.handle;
	return ret;
}

static int rw(int fd, unsigned long req, uint32_t handle, uint64_t offset, void *buf, uint64_t len)
{
	struct drm_kgen_sample_rw a = {
		.handle = handle, .offset = offset, .ptr = (uintptr_t)buf, .len = len,
	};

	return xioctl(fd, req, &a);
}

static int info(int fd, struct drm_kgen_sample_info *i)
{
	memset(i, 0, sizeof(*i));
	return xioctl(fd, DRM_IOCTL_KGEN_SAMPLE_INFO, i);
}

static void fill(unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

/* One round for the load/unload cycles: 0 when everything worked. */
static int cycle(void)
{
	char path[300];
	unsigned char in[256], out[256];
	int card = open_node("card", path, sizeof(path));
	int render = open_node("renderD", path, sizeof(path));
	uint32_t h = 0, h2 = 0;
	struct drm_prime_handle prime = { 0 };
	int bad = card < 0 || render < 0;

	fill(in, sizeof(in), 3);
	bad = bad || create(render, 4096, &h);
	bad = bad || rw(render, DRM_IOCTL_KGEN_SAMPLE_WRITE, h, 0, in, sizeof(in));
	bad = bad || rw(render, DRM_IOCTL_KGEN_SAMPLE_READ, h, 0, out, sizeof(out));
	bad = bad || memcmp(in, out, sizeof(in));
	prime.handle = h;
	prime.flags = DRM_CLOEXEC;
	bad = bad || xioctl(render, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime);
	if (!bad) {
		struct drm_prime_handle imp = { .fd = prime.fd };

		bad = xioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp);
		h2 = imp.handle;
		close(prime.fd);
	}
	bad = bad || rw(card, DRM_IOCTL_KGEN_SAMPLE_READ, h2, 0, out, sizeof(out));
	bad = bad || memcmp(in, out, sizeof(in));
	if (card >= 0)
		close(card);
	if (render >= 0)
		close(render);
	return bad;
}

int main(int argc, char **argv)
{
	char card_path[300] = "", render_path[300] = "", name[64] = "", desc[128] = "", date[32] = "";
	struct drm_version v = {
		.name = name, .name_len = sizeof(name) - 1,
		.desc = desc, .desc_len = sizeof(desc) - 1,
		.date = date, .date_len = sizeof(date) - 1,
	};
	struct drm_get_cap cap;
	struct drm_kgen_sample_info i0, i1;
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 32, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_kgen_sample_map our_map = { 0 };
	struct drm_prime_handle prime = { 0 }, imp = { 0 };
	struct drm_gem_close gclose = { 0 };
	static unsigned char in[8192], out[8192];
	unsigned char *px;
	uint32_t h = 0, h_other = 0;
	int card, render, card2, ret;

	if (argc > 1 && !strcmp(argv[1], "--cycle"))
		return cycle();

	printf("KTAP version 1\n# drm: drm_test against rust_drm_sample (kernel::drm)\n");
	card = open_node("card", card_path, sizeof(card_path));
	result(card >= 0, "the primary node of %s opens (%s)", NAME, card_path);
	render = open_node("renderD", render_path, sizeof(render_path));
	result(render >= 0, "the render node opens (%s)", render_path);
	if (card < 0 || render < 0) {
		printf("1..%d\n", n);
		return 1;
	}

	/* The driver info. */
	ret = xioctl(card, DRM_IOCTL_VERSION, &v);
	result(!ret && !strcmp(name, NAME) && !strcmp(desc, "kgen sample DRM driver") &&
		       !strcmp(date, "0"),
	       "DRM_IOCTL_VERSION: name %s, desc \"%s\", date %s (deprecated: always 0)", name, desc,
	       date);
	result(!ret && v.version_major == 1 && v.version_minor == 2 && v.version_patchlevel == 3,
	       "DRM_IOCTL_VERSION: version %d.%d.%d", v.version_major, v.version_minor,
	       v.version_patchlevel);
	cap = (struct drm_get_cap){ .capability = DRM_CAP_SYNCOBJ, .value = 7 };
	ret = xioctl(card, DRM_IOCTL_GET_CAP, &cap);
	result(!ret && cap.value == 0, "DRM_IOCTL_GET_CAP: SYNCOBJ is %llu (not a driver feature)",
	       (unsigned long long)cap.value);
	cap = (struct drm_get_cap){ .capability = DRM_CAP_DUMB_BUFFER };
	ret = xioctl(card, DRM_IOCTL_GET_CAP, &cap);
	result(ret == EOPNOTSUPP, "DRM_IOCTL_GET_CAP: DUMB_BUFFER is a KMS cap, EOPNOTSUPP (%s)",
	       strerror(ret));
	cap = (struct drm_get_cap){ .capability = DRM_CAP_PRIME };
	ret = xioctl(card, DRM_IOCTL_GET_CAP, &cap);
	result(!ret && cap.value == (DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT),
	       "DRM_IOCTL_GET_CAP: PRIME is %llu (import and export)", (unsigned long long)cap.value);

	/* The driver's own ioctls, on the render node. */
	ret = info(render, &i0);
	result(!ret && i0.opens >= 2 && i0.file_creates == 0 && !i0.unplugged,
	       "INFO: %u opens, %u closes, no buffer made by this file yet", i0.opens, i0.closes);
	ret = create(render, sizeof(in), &h);
	result(!ret && h, "CREATE: an 8 KiB buffer gets handle %u", h);
	fill(in, sizeof(in), 1);
	ret = rw(render, DRM_IOCTL_KGEN_SAMPLE_WRITE, h, 0, in, sizeof(in));
	result(!ret, "WRITE: 8 KiB into the buffer (%s)", strerror(ret));
	ret = rw(render, DRM_IOCTL_KGEN_SAMPLE_READ, h, 0, out, sizeof(out));
	result(!ret && !memcmp(in, out, sizeof(in)), "READ: the 8 KiB read back are the ones written");
	memset(out, 0, sizeof(out));
	ret = rw(render, DRM_IOCTL_KGEN_SAMPLE_READ, h, 4000, out, 100);
	result(!ret && !memcmp(in + 4000, out, 100), "READ: 100 bytes at offset 4000 (across a page)");
	ret = rw(render, DRM_IOCTL_KGEN_SAMPLE_READ, h, 8000, out, 200);
	result(ret == EINVAL, "READ past the end: EINVAL (%s)", strerror(ret));
	ret = rw(render, DRM_IOCTL_KGEN_SAMPLE_WRITE, h, 0, (void *)16, 64);
	result(ret == EFAULT, "WRITE from a bad user address: EFAULT (%s)", strerror(ret));
	ret = rw(render, DRM_IOCTL_KGEN_SAMPLE_READ, 0x7777, 0, out, 16);
	result(ret == ENOENT, "READ of a bad handle: ENOENT (%s)", strerror(ret));
	ret = create(render, 0, &h_other);
	result(ret == EINVAL, "CREATE of 0 bytes: EINVAL (%s)", strerror(ret));
	ret = create(render, 1ull << 40, &h_other);
	result(ret == EINVAL, "CREATE of 1 TiB: EINVAL (%s)", strerror(ret));
	ret = info(render, &i1);
	result(!ret && i1.file_creates == 1 && i1.client_id != 0,
	       "INFO: this file made 1 buffer (per-file data), client id %llu",
	       (unsigned long long)i1.client_id);

	/* Another file does not see this file's handles. */
	card2 = open(card_path, O_RDWR | O_CLOEXEC);
	ret = rw(card2, DRM_IOCTL_KGEN_SAMPLE_READ, h, 0, out, 16);
	result(card2 >= 0 && ret == ENOENT, "a second open of %s: the handle is not its (%s)", card_path,
	       strerror(ret));
	ret = info(card2, &i1);
	result(!ret && i1.file_creates == 0 && i1.opens == i0.opens + 1,
	       "INFO on the second open: its own count (0), %u opens", i1.opens);

	/* Bad sizes and numbers. */
	{
		uint32_t small = 0;

		ret = xioctl(render, DRM_IOWR(DRM_COMMAND_BASE + DRM_KGEN_SAMPLE_CREATE, uint32_t), &small);
		result(ret == EINVAL, "CREATE with a 4-byte argument: zero-extended, size 0, EINVAL (%s)",
		       strerror(ret));
		ret = xioctl(render, DRM_IOWR(DRM_COMMAND_BASE + 6, uint32_t), &small);
		result(ret == EINVAL, "an ioctl number past the driver's table: EINVAL (%s)", strerror(ret));
	}

	/* Dumb buffers on the primary node, mapped and read through the driver. */
	ret = xioctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &dumb);
	result(!ret && dumb.handle && dumb.pitch == 256 && dumb.size >= 256 * 32,
	       "MODE_CREATE_DUMB 64x32x32: handle %u, pitch %u, size %llu", dumb.handle, dumb.pitch,
	       (unsigned long long)dumb.size);
	{
		struct drm_mode_create_dumb d8 = { .width = 100, .height = 10, .bpp = 8 };

		ret = xioctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &d8);
		result(!ret && d8.handle && d8.pitch == 128 && d8.size == 4096,
		       "MODE_CREATE_DUMB 100x10x8, made by the driver itself: pitch %u, size %llu",
		       d8.pitch, (unsigned long long)d8.size);
		ret = rw(card, DRM_IOCTL_KGEN_SAMPLE_WRITE, d8.handle, 4000, in, 96);
		result(!ret, "WRITE into the driver-made dumb buffer (%s)", strerror(ret));
	}
	map.handle = dumb.handle;
	ret = xioctl(card, DRM_IOCTL_MODE_MAP_DUMB, &map);
	result(!ret && map.offset, "MODE_MAP_DUMB: offset 0x%llx", (unsigned long long)map.offset);
	our_map.handle = dumb.handle;
	ret = xioctl(card, DRM_IOCTL_KGEN_SAMPLE_MAP, &our_map);
	result(!ret && our_map.offset == map.offset,
	       "the driver's MAP (File::dumb_map_offset) gives the same offset");
	px = mmap(NULL, dumb.size, PROT_READ | PROT_WRITE, MAP_SHARED, card, map.offset);
	result(px != MAP_FAILED, "mmap of the dumb buffer");
	if (px != MAP_FAILED) {
		fill(px, dumb.size, 9);
		fill(in, dumb.size, 9);
		memset(out, 0, sizeof(out));
		ret = rw(card, DRM_IOCTL_KGEN_SAMPLE_READ, dumb.handle, 0, out, dumb.size);
		result(!ret && !memcmp(in, out, dumb.size),
		       "a pattern written through mmap reads back through the driver");
		fill(in, 64, 77);
		ret = rw(card, DRM_IOCTL_KGEN_SAMPLE_WRITE, dumb.handle, 128, in, 64);
		result(!ret && !memcmp(px + 128, in, 64),
		       "data written through the driver shows in the mapping");
		munmap(px, dumb.size);
	} else {
		result(0, "a pattern written through mmap reads back through the driver");
		result(0, "data written through the driver shows in the mapping");
	}

	/* PRIME: export from the primary node, import on the render node. */
	prime.handle = dumb.handle;
	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	ret = xioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime);
	result(!ret && prime.fd >= 0, "PRIME_HANDLE_TO_FD: the dumb buffer as dma-buf fd %d", prime.fd);
	imp.fd = prime.fd;
	ret = xioctl(render, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp);
	result(!ret && imp.handle, "PRIME_FD_TO_HANDLE on the render node: handle %u", imp.handle);
	memset(out, 0, sizeof(out));
	ret = rw(render, DRM_IOCTL_KGEN_SAMPLE_READ, imp.handle, 128, out, 64);
	result(!ret && !memcmp(in, out, 64), "the imported buffer has the exporter's data");
	if (prime.fd >= 0)
		close(prime.fd);
	{
		struct drm_kgen_sample_destroy d = { .handle = imp.handle };

		ret = xioctl(render, DRM_IOCTL_KGEN_SAMPLE_DESTROY, &d);
		result(!ret, "DESTROY of the imported handle");
		ret = xioctl(render, DRM_IOCTL_KGEN_SAMPLE_DESTROY, &d);
		result(ret == EINVAL, "DESTROY of it again: EINVAL (%s)", strerror(ret));
	}
	gclose.handle = 0x7777;
	ret = xioctl(card, DRM_IOCTL_GEM_CLOSE, &gclose);
	result(ret == EINVAL, "GEM_CLOSE of a bad handle: EINVAL (%s)", strerror(ret));

	/* Closing: postclose runs for each file, and another file sees the count. */
	ret = info(render, &i0);
	close(card2);
	close(card);
	close(render);
	card = open_node("card", card_path, sizeof(card_path));
	ret = ret || card < 0 || info(card, &i1);
	result(!ret && i1.closes == i0.closes + 3 && i1.opens == i0.opens + 1,
	       "closing three files ran postclose three times (%u -> %u closes)", i0.closes,
	       i1.closes);
	if (card >= 0)
		close(card);

	printf("1..%d\n", n);
	return failed != 0;
}
