/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace API of qemu-tests/samples/rust_drm_sample.rs, in the form of a
 * kernel uapi header (include/uapi/drm/). The Rust driver declares the same
 * argument structs with drm_uapi_struct! and the same numbers in
 * declare_drm_ioctls!, which computes each command as DRM_IOWR does below:
 * a layout that differs makes a different command number, which the driver
 * rejects (EINVAL), so drm_test.c checks every ioctl's layout at run time and
 * the sizes here at compile time.
 */
#ifndef KGEN_DRM_SAMPLE_H
#define KGEN_DRM_SAMPLE_H

#include <drm/drm.h>

#define DRM_KGEN_SAMPLE_CREATE  0x00
#define DRM_KGEN_SAMPLE_WRITE   0x01
#define DRM_KGEN_SAMPLE_READ    0x02
#define DRM_KGEN_SAMPLE_INFO    0x03
#define DRM_KGEN_SAMPLE_DESTROY 0x04
#define DRM_KGEN_SAMPLE_MAP     0x05

/* Makes a shmem buffer of @size bytes (at most 16 MiB); returns its @handle. */
struct drm_kgen_sample_create {
	__u64 size;
	__u32 handle;
	__u32 pad;
};

/* @len bytes at user address @ptr to (WRITE) or from (READ) buffer @handle at @offset. */
struct drm_kgen_sample_rw {
	__u32 handle;
	__u32 pad;
	__u64 offset;
	__u64 ptr;
	__u64 len;
};

/* The device's open and close counts, and the calling file's. */
struct drm_kgen_sample_info {
	__u32 opens;
	__u32 closes;
	__u32 file_creates;
	__u32 unplugged;
	__u64 client_id;
};

/* Deletes @handle from the calling file. */
struct drm_kgen_sample_destroy {
	__u32 handle;
	__u32 pad;
};

/* The mmap offset of @handle in the calling file. */
struct drm_kgen_sample_map {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

#define DRM_IOCTL_KGEN_SAMPLE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KGEN_SAMPLE_CREATE, struct drm_kgen_sample_create)
#define DRM_IOCTL_KGEN_SAMPLE_WRITE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KGEN_SAMPLE_WRITE, struct drm_kgen_sample_rw)
#define DRM_IOCTL_KGEN_SAMPLE_READ \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KGEN_SAMPLE_READ, struct drm_kgen_sample_rw)
#define DRM_IOCTL_KGEN_SAMPLE_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KGEN_SAMPLE_INFO, struct drm_kgen_sample_info)
#define DRM_IOCTL_KGEN_SAMPLE_DESTROY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KGEN_SAMPLE_DESTROY, struct drm_kgen_sample_destroy)
#define DRM_IOCTL_KGEN_SAMPLE_MAP \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KGEN_SAMPLE_MAP, struct drm_kgen_sample_map)

#endif
