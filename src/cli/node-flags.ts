/**
 * Node flags the server runs with (package.json's start script, systemd/pmproxy.service, bin/pmproxy.js
 * and the benchmark repeat them). A proxy allocates a few kilobytes of short-lived objects per
 * request; with V8's default young generation (16 MiB semi-spaces) it spends about 15 % of its CPU in
 * scavenges, and 32 MiB semi-spaces raised small keep-alive requests from about 8,000 to 11,000 per
 * second on the benchmark machine. V8 reads this flag only at start, so it cannot be set from code.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=32'] as const;
