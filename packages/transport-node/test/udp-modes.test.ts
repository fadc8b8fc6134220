// The batched and pooled UDP modes on real sockets: what batching achieves, receive routing by remote address,
// the one-connection-per-remote rule of a shared socket, a remote that goes away, unroutable datagrams, and close
// while a batch is waiting. The generic transport suite runs on both modes in conformance.test.ts.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@voicewire/testkit';
import { loadUdpNative } from '@voicewire/udp-native';
import type { TransportUdpSocket, UdpFailure } from '@voicewire/voice';
import { createNodeTransport } from '../src/index.js';

/** A UDP echo server that records who sent what. */
interface Echo {
  readonly port: number;
  readonly sources: Set<string>;
  readonly got: Buffer[];
  close(): Promise<void>;
}
const open: Echo[] = [];
async function echo(): Promise<Echo> {
  const s: Socket = createSocket('udp4');
  const sources = new Set<string>();
  const got: Buffer[] = [];
  s.on('message', (m: Buffer, r: RemoteInfo) => {
    sources.add(`${r.address}:${r.port}`);
    got.push(m);
    s.send(m, r.port, r.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const e: Echo = {
    port: (s.address() as { port: number }).port,
    sources,
    got,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
  open.push(e);
  return e;
}
const sockets: TransportUdpSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(open.splice(0).map((e) => e.close().catch(() => {})));
});

function connect(t: ReturnType<typeof createNodeTransport>, port: number, tag: number) {
  const received: Buffer[] = [];
  const errors: UdpFailure[] = [];
  const udp = t.connectUdp('127.0.0.1', port, { onMessage: (d) => received.push(Buffer.from(d)), onError: (f) => errors.push(f) });
  sockets.push(udp);
  return { udp, received, errors, tag };
}

describe('batched sends', () => {
  it('the add-on loaded, and a turn of 100 connections each sending one datagram is one native call', async () => {
    expect(loadUdpNative().loaded).toBe(true);
    const t = createNodeTransport({ udp: 'batched' });
    expect(t.describe()).toMatch(/sendmmsg/);
    const e = await echo();
    const conns = Array.from({ length: 100 }, (_, i) => connect(t, e.port, i));
    // the first datagram of each waits for its connect; wait until every one echoed
    for (const c of conns) c.udp.send(Uint8Array.of(c.tag, 0));
    await until(() => conns.every((c) => c.received.length === 1), 5_000, 'the first echo on every connection');
    const before = t.udpStats().batch!;
    for (const c of conns) c.udp.send(Uint8Array.of(c.tag, 1));
    await until(() => conns.every((c) => c.received.length === 2), 5_000, 'the second echo on every connection');
    const after = t.udpStats().batch!;
    expect(after.batches - before.batches).toBe(1);
    expect(after.datagrams - before.datagrams).toBe(100);
    for (const c of conns) expect([...(c.received[1] as Buffer)]).toEqual([c.tag, 1]);
    expect(conns.flatMap((c) => c.errors)).toEqual([]);
  });

  it('a connected peer that went away: ECONNREFUSED comes back as a non-fatal error of that connection alone', async () => {
    const t = createNodeTransport({ udp: 'batched' });
    const gone = await echo();
    const alive = await echo();
    const a = connect(t, gone.port, 1);
    const b = connect(t, alive.port, 2);
    a.udp.send(Uint8Array.of(1));
    b.udp.send(Uint8Array.of(2));
    await until(() => a.received.length === 1 && b.received.length === 1, 5_000, 'both echoes');
    await gone.close();
    // the first send after the close draws an ICMP port unreachable; a later one is refused (each check sends
    // once more: at most one datagram per poll, bounded by the wait)
    await until(
      () => {
        a.udp.send(Uint8Array.of(1));
        b.udp.send(Uint8Array.of(2));
        return a.errors.length > 0;
      },
      5_000,
      'ECONNREFUSED on the connection whose peer went away',
    );
    expect(a.errors[0]).toMatchObject({ fatal: false });
    expect(a.errors[0]?.message).toMatch(/ECONNREFUSED/);
    expect(b.errors).toEqual([]);
    const n = b.received.length;
    b.udp.send(Uint8Array.of(2));
    await until(() => b.received.length > n, 5_000, 'the other connection still echoes');
  });

  it('datagrams sent just before close go out before the socket closes', async () => {
    const t = createNodeTransport({ udp: 'batched' });
    const e = await echo();
    const c = connect(t, e.port, 1);
    c.udp.send(Uint8Array.of(0));
    await until(() => c.received.length === 1, 5_000, 'connected');
    for (let i = 1; i <= 10; i++) c.udp.send(Uint8Array.of(i));
    c.udp.close(); // same turn: the batch has not gone out yet
    await until(() => e.got.length === 11, 5_000, 'all 11 datagrams at the server');
    expect(e.got.map((m) => m[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(t.udpStats().batch!.dropped).toBe(0);
  });
});

describe('the shared socket pool', () => {
  it('one socket carries one connection per remote; received datagrams reach the connection of their remote', async () => {
    const t = createNodeTransport({ udp: 'pool' });
    const [r1, r2, r3] = [await echo(), await echo(), await echo()];
    // two connections to each of three remotes: two shared sockets, each with one connection per remote
    const conns = [r1, r1, r2, r2, r3, r3].map((r, i) => connect(t, r.port, i));
    for (const c of conns) c.udp.send(Uint8Array.of(c.tag));
    await until(() => conns.every((c) => c.received.length === 1), 5_000, 'an echo on every connection');
    for (const c of conns) expect([...(c.received[0] as Buffer)]).toEqual([c.tag]);
    expect(t.udpStats().pool).toMatchObject({ sockets: 2, connections: 6 });
    // each remote saw two distinct local sockets, and the three remotes saw the same two
    for (const r of [r1, r2, r3]) expect(r.sources.size).toBe(2);
    expect(new Set([...r1.sources, ...r2.sources, ...r3.sources]).size).toBe(2);
    expect(t.describe()).toMatch(/pool.*sendmmsg/);
  });

  it('keeps to its limit of connections per socket', async () => {
    const t = createNodeTransport({ udp: 'pool', poolSocketLimit: 2 });
    const remotes = [await echo(), await echo(), await echo(), await echo(), await echo()];
    const conns = remotes.map((r, i) => connect(t, r.port, i));
    for (const c of conns) c.udp.send(Uint8Array.of(c.tag));
    await until(() => conns.every((c) => c.received.length === 1), 5_000, 'every echo');
    expect(t.udpStats().pool).toMatchObject({ sockets: 3, connections: 5 });
    for (const c of conns) c.udp.close();
    expect(t.udpStats().pool).toMatchObject({ sockets: 0, connections: 0 }); // the last to leave closes a socket
  });

  it('a remote that goes away affects only its own connection; a stranger\'s datagrams are counted and dropped', async () => {
    const t = createNodeTransport({ udp: 'pool' });
    const stays = await echo();
    const goes = await echo();
    const a = connect(t, stays.port, 1);
    const b = connect(t, goes.port, 2);
    a.udp.send(Uint8Array.of(1));
    b.udp.send(Uint8Array.of(2));
    await until(() => a.received.length === 1 && b.received.length === 1, 5_000, 'both echoes');
    expect(t.udpStats().pool?.sockets).toBe(1); // both on one shared socket
    const local = [...stays.sources][0] as string;
    await goes.close();
    for (let i = 0; i < 20; i++) b.udp.send(Uint8Array.of(2)); // into the void: unconnected sends are not refused
    a.udp.send(Uint8Array.of(1));
    await until(() => a.received.length === 2, 5_000, 'the other connection still echoes');
    // a datagram from an address no connection on the socket talks to
    const stranger = createSocket('udp4');
    const port = Number(local.split(':')[1]);
    const dropped = t.udpStats().pool!.unroutable;
    for (let i = 0; i < 3; i++) stranger.send(Uint8Array.of(0xee), port, '127.0.0.1');
    await until(() => t.udpStats().pool!.unroutable === dropped + 3, 5_000, 'three unroutable datagrams counted');
    stranger.close();
    expect(a.received.every((m) => m[0] !== 0xee) && b.received.every((m) => m[0] !== 0xee)).toBe(true);
    expect(a.errors).toEqual([]);
  });

  it('close while a batch is waiting: what was sent goes out, then nothing more arrives', async () => {
    const t = createNodeTransport({ udp: 'pool' });
    const e = await echo();
    const other = await echo();
    const c = connect(t, e.port, 1);
    const d = connect(t, other.port, 2);
    c.udp.send(Uint8Array.of(0));
    d.udp.send(Uint8Array.of(0));
    await until(() => c.received.length === 1 && d.received.length === 1, 5_000, 'connected');
    for (let i = 1; i <= 5; i++) {
      c.udp.send(Uint8Array.of(i));
      d.udp.send(Uint8Array.of(i));
    }
    c.udp.close();
    await until(() => e.got.length === 6 && other.got.length === 6, 5_000, 'every datagram at both servers');
    await until(() => d.received.length === 6, 5_000, 'the open connection hears its echoes');
    expect(c.received.length).toBeLessThanOrEqual(1); // nothing delivered after close
    expect(t.udpStats().batch!.dropped).toBe(0);
  });

  it('without the add-on (udpNative: false), the pool sends with node:dgram and still routes', async () => {
    // poolSocketLimit 1: each connection its own socket, so this also checks many sockets at once
    const t = createNodeTransport({ udp: 'pool', poolSocketLimit: 1, udpNative: false });
    expect(t.describe()).toMatch(/node:dgram send per datagram \(udpNative: false\)/);
    expect(t.udpStats().batch).toBeNull();
    const e = await echo();
    const conns = Array.from({ length: 8 }, (_, i) => connect(t, e.port, i));
    for (const c of conns) c.udp.send(Uint8Array.of(c.tag));
    await until(() => conns.every((c) => c.received.length === 1), 5_000, 'every echo');
    expect(t.udpStats().pool?.sockets).toBe(8);
  });
});
