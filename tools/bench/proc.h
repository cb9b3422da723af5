// SPDX-License-Identifier: LGPL-2.1-only
// /proc readings and CPU placement for the benchmark.
#pragma once

#include <sched.h>
#include <sys/types.h>

namespace bench {

// CPU time of a process (all live threads), in microseconds: the sum of the threads'
// schedstat run times (ns), or utime + stime (ticks) where schedstat is missing; -1 if
// unreadable.
double cpu_us(pid_t pid);
// VmRSS in KiB; -1 if unreadable.
long rss_kib(pid_t pid);
// The affinity mask this program started with ("default placement").
const cpu_set_t &initial_cpus();
// Pin the calling process to one CPU of its initial mask (children inherit it), or give
// back the initial mask. Returns the CPU pinned to, or -1 when unpinned.
int set_placement(bool pinned);
// Apply the current placement to another process too (it may have been started earlier).
void follow_placement(pid_t pid);

} // namespace bench
