/**
 * Node flags the server runs with (package.json's start script, systemd/pmproxy.service, bin/pmproxy.js
 * and the benchmark repeat them). A proxy allocates a few kilobytes of short-lived objects per
 * request; with V8's default young generation (16 MiB semi-spaces) it spends about 15 % of its CPU in
 * scavenges, and 32 MiB semi-spaces raised small keep-alive requests from about 8,000 to 11,000 per
 * second on the benchmark machine. V8 reads this flag only at start, so it cannot be set from code.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=32'] as const;

/**
 * Environment the server runs with, set in the same places as the flags. Every socket read lands in
 * a fresh 64 KiB buffer from malloc, freed in batches when V8 collects the Buffers; glibc then gave
 * the freed top of its heap back to the kernel (its trim threshold is 128 KiB) and took it again at
 * the next reads, so a 1 GiB tunnel cost some 170,000 page faults (fault, zero the page, charge the
 * cgroup, unmap later), and a transfer ran at half speed whenever the heap fell into that pattern.
 * Keeping up to 64 MiB of freed heap (more than one collection's worth of read buffers) brought the
 * faults of a 1 GiB CONNECT to about 1,000 and its CPU per GiB close to Squid's. glibc reads this
 * only at start.
 */
export const SERVER_ENV = { MALLOC_TRIM_THRESHOLD_: String(64 * 1024 * 1024) } as const;
