// SPDX-License-Identifier: LGPL-2.1-only
/* Host state: creating, opening and locking a simulated host's table. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_state.h"

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, data, len);
    int saved = errno;
    close(fd);
    if (n != (ssize_t)len) {
        errno = n < 0 ? saved : EIO;
        return -1;
    }
    return 0;
}

static int mkdir_in(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int xensim_host_init(const char *dir)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    char path[4096];
    snprintf(path, sizeof(path), "%s/table", dir);
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    struct sim_table *t = MAP_FAILED;
    if (ftruncate(fd, sizeof(*t)) != 0)
        goto fail;
    t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (t == MAP_FAILED)
        goto fail;
    uint8_t rnd[8];
    if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
        goto fail;
    for (unsigned i = 0; i < sizeof(rnd); i++)
        snprintf(t->instance + 2 * i, 3, "%02x", rnd[i]);
    t->version = 1;
    t->next_handle = 1;
    t->dom[0].exists = 1;
    memcpy(t->magic, SIM_MAGIC, sizeof(t->magic)); /* last: marks the table valid */
    munmap(t, sizeof(*t));
    close(fd);

    if (mkdir_in(dir, "mem") || mkdir_in(dir, "mem/0") || mkdir_in(dir, "run"))
        return -1;
    /* dom0's own store ring (what /proc/xen/xsd_kva maps in a real dom0) */
    static const char zero[SIM_PAGE_SIZE];
    if (write_file(dir, "xsd_kva", zero, sizeof(zero)))
        return -1;
    /* xenstored binds dom0's own unbound port (remote 0) named by /proc/xen/xsd_port */
    xensim_host *h = xensim_host_open(dir);
    if (!h)
        return -1;
    int port = xensim_evtchn_alloc_unbound(h, 0, 0, 0);
    xensim_host_close(h);
    if (port < 0)
        return -1;
    char buf[16];
    int n = snprintf(buf, sizeof(buf), "%d", port);
    return write_file(dir, "xsd_port", buf, (size_t)n);

fail:;
    int saved = errno;
    if (t != MAP_FAILED)
        munmap(t, sizeof(*t));
    close(fd);
    unlink(path);
    errno = saved;
    return -1;
}

xensim_host *xensim_host_open(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/table", dir);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size != sizeof(struct sim_table)) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    struct sim_table *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (t == MAP_FAILED) {
        int saved = errno;
        close(fd);
        errno = saved;
        return NULL;
    }
    if (memcmp(t->magic, SIM_MAGIC, sizeof(t->magic)) != 0) {
        munmap(t, sizeof(*t));
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    xensim_host *h = calloc(1, sizeof(*h));
    if (!h || !(h->dir = strdup(dir))) {
        free(h);
        munmap(t, sizeof(*t));
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    h->fd = fd;
    h->t = t;
    pthread_mutex_init(&h->mu, NULL);
    return h;
}

void xensim_host_close(xensim_host *h)
{
    if (!h)
        return;
    munmap(h->t, sizeof(*h->t));
    close(h->fd);
    pthread_mutex_destroy(&h->mu);
    free(h->dir);
    free(h);
}

const char *xensim_host_dir(const xensim_host *h)
{
    return h->dir;
}

void sim_lock(xensim_host *h)
{
    pthread_mutex_lock(&h->mu);
    while (flock(h->fd, LOCK_EX) != 0 && errno == EINTR)
        ;
}

void sim_unlock(xensim_host *h)
{
    flock(h->fd, LOCK_UN);
    pthread_mutex_unlock(&h->mu);
}

/* Processes started with XENSIM_STATE (the daemons, xsproxy) act on that host.
 * Hosts are cached per directory and never closed: handles point at them. */
xensim_host *sim_env_host(void)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static xensim_host *cache[16];
    const char *dir = getenv("XENSIM_STATE");
    if (!dir || !*dir) {
        errno = ENOENT;
        return NULL;
    }
    pthread_mutex_lock(&mu);
    xensim_host *h = NULL;
    unsigned i;
    for (i = 0; i < 16 && cache[i]; i++)
        if (strcmp(cache[i]->dir, dir) == 0) {
            h = cache[i];
            break;
        }
    if (!h && i < 16 && (h = xensim_host_open(dir)))
        cache[i] = h;
    else if (!h && i == 16)
        errno = EMFILE;
    pthread_mutex_unlock(&mu);
    return h;
}

uint32_t sim_env_domid(void)
{
    const char *s = getenv("XENSIM_DOMID");
    return s && *s ? (uint32_t)strtoul(s, NULL, 10) : 0;
}

struct sim_domain *sim_domain(xensim_host *h, uint32_t domid)
{
    if (domid >= SIM_MAX_DOMS || !h->t->dom[domid].exists) {
        errno = ESRCH;
        return NULL;
    }
    return &h->t->dom[domid];
}

struct sim_port *sim_port(xensim_host *h, uint32_t domid, uint32_t port)
{
    struct sim_domain *d = sim_domain(h, domid);
    if (!d)
        return NULL;
    if (port == 0 || port >= SIM_MAX_PORTS) {
        errno = EINVAL;
        return NULL;
    }
    return &d->port[port];
}
