// SPDX-License-Identifier: LGPL-2.1-only
/* A real dom0 kernel exports xenstored's own ring and port under /proc/xen; the
 * simulated host keeps them as files in its state directory. */
/* The daemons call both the plain and the 64-bit names: define each one explicitly. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *redirect(const char *path, char *buf, size_t len)
{
    static const char *const names[] = {"/proc/xen/xsd_port", "/proc/xen/xsd_kva",
                                        "/dev/xen/xsd_kva"};
    static const char *const files[] = {"xsd_port", "xsd_kva", "xsd_kva"};
    const char *dir = getenv("XENSIM_STATE");
    if (!path || !dir || !*dir)
        return path;
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(path, names[i]) == 0) {
            snprintf(buf, len, "%s/%s", dir, files[i]);
            return buf;
        }
    return path;
}

static void *next(const char *sym)
{
    return dlsym(RTLD_NEXT, sym);
}

#define MODE_ARG(flags, mode)                                                              \
    do {                                                                                   \
        if ((flags) & (O_CREAT | __O_TMPFILE)) {                                           \
            va_list ap;                                                                    \
            va_start(ap, flags);                                                           \
            mode = va_arg(ap, int);                                                        \
            va_end(ap);                                                                    \
        }                                                                                  \
    } while (0)

int open(const char *path, int flags, ...)
{
    int mode = 0;
    MODE_ARG(flags, mode);
    char buf[4096];
    static int (*real)(const char *, int, ...);
    if (!real)
        real = (int (*)(const char *, int, ...))next("open");
    return real(redirect(path, buf, sizeof(buf)), flags, mode);
}

int open64(const char *path, int flags, ...)
{
    int mode = 0;
    MODE_ARG(flags, mode);
    char buf[4096];
    static int (*real)(const char *, int, ...);
    if (!real)
        real = (int (*)(const char *, int, ...))next("open64");
    return real(redirect(path, buf, sizeof(buf)), flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    int mode = 0;
    MODE_ARG(flags, mode);
    char buf[4096];
    static int (*real)(int, const char *, int, ...);
    if (!real)
        real = (int (*)(int, const char *, int, ...))next("openat");
    return real(dirfd, redirect(path, buf, sizeof(buf)), flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    int mode = 0;
    MODE_ARG(flags, mode);
    char buf[4096];
    static int (*real)(int, const char *, int, ...);
    if (!real)
        real = (int (*)(int, const char *, int, ...))next("openat64");
    return real(dirfd, redirect(path, buf, sizeof(buf)), flags, mode);
}

int __open_2(const char *path, int flags)
{
    return open(path, flags);
}

int __open64_2(const char *path, int flags)
{
    return open64(path, flags);
}

FILE *fopen(const char *path, const char *mode)
{
    char buf[4096];
    static FILE *(*real)(const char *, const char *);
    if (!real)
        real = (FILE * (*)(const char *, const char *)) next("fopen");
    return real(redirect(path, buf, sizeof(buf)), mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    char buf[4096];
    static FILE *(*real)(const char *, const char *);
    if (!real)
        real = (FILE * (*)(const char *, const char *)) next("fopen64");
    return real(redirect(path, buf, sizeof(buf)), mode);
}
