/**
 * The write high-water mark of the proxy's sockets (client side and origin side). Node reads a
 * socket in chunks of up to 64 KiB and its default mark is 16 KiB, so write() of nearly every chunk
 * reported "full" even when the kernel took it at once, and each chunk paid a pause, a 'drain'
 * and a resume. With room for one chunk in flight a flow pauses only when the receiver really is
 * slower. It bounds what waits in memory per direction, and costs nothing while idle.
 */
export const FLOW_HIGH_WATER_MARK = 128 * 1024;
