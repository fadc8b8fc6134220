/**
 * @voicewire/udp-native: many UDP datagrams in one call, with `sendmmsg(2)` per socket on Linux (`sendto(2)` in a
 * loop elsewhere). A thin N-API add-on that owns no policy: it takes descriptors, datagrams and optional
 * destinations and returns one result per datagram. Built with node-gyp on install; when it is missing,
 * {@link loadUdpNative} says why and @voicewire/transport-node sends with node:dgram.
 *
 * @module @voicewire/udp-native
 */
import { createRequire } from 'node:module';

export interface UdpNativeBinding {
  /**
   * Sends `count` datagrams: datagram i on descriptor `fds[i]`, to `addresses[i]` (from {@link address}) or, when
   * that is undefined or no addresses are given, to the socket's connected peer. Datagrams on one descriptor go out
   * together in their order. `results[i]` becomes the bytes sent or `-errno` (`-EAGAIN`: the socket's buffer was
   * full and the datagram was not sent). Returns the number of send syscalls made, or `-errno` when the arguments
   * themselves are malformed (nothing was sent). Never throws.
   */
  sendBatch(fds: Int32Array, datagrams: readonly Uint8Array[], count: number, results: Int32Array, addresses?: readonly (Uint8Array | undefined)[]): number;
  /** The destination bytes for a numeric IPv4 or IPv6 address and port, or null for anything else. */
  address(ip: string, port: number): Uint8Array | null;
  /** `sendmmsg` on Linux, `sendto` elsewhere. */
  readonly syscall: string;
  readonly maxBatch: number;
  readonly EAGAIN: number;
}

export type UdpNativeLoad = { readonly loaded: true; readonly binding: UdpNativeBinding; readonly detail: string } | { readonly loaded: false; readonly reason: string };

let cached: UdpNativeLoad | undefined;

/** Loads the add-on once per process; never throws. */
export function loadUdpNative(): UdpNativeLoad {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  try {
    if (typeof process === 'undefined' || process.platform === 'win32') throw new Error('not built on this platform');
    // '..' from src/ and from dist/: the package root, where node-gyp put build/
    const binding = require('../build/Release/udp_native.node') as UdpNativeBinding;
    cached = { loaded: true, binding, detail: `@voicewire/udp-native (${binding.syscall})` };
  } catch (e) {
    const message = String((e as Error)?.message ?? e).split('\n')[0] ?? '';
    const reason = /Cannot find module|MODULE_NOT_FOUND/.test(message) || (e as { code?: string })?.code === 'MODULE_NOT_FOUND' ? 'the add-on was not built on install (node-gyp needs Python, make and a C++ compiler)' : message;
    cached = { loaded: false, reason: `@voicewire/udp-native did not load: ${reason}` };
  }
  return cached;
}
