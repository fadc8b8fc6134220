/**
 * The conformance suite every Transport runs (docs/architecture.md "one conformance suite per pluggable kind"),
 * against echo fixtures on loopback: text and binary WebSocket frames both ways, server close codes, refused
 * connections, UDP echo including datagrams sent before the socket finished connecting, and idempotent close;
 * and the failures a hostile or broken server causes, each reported and never thrown: an oversized message
 * (1009, too-large), an untrusted certificate (tls), a UDP port 0 and an address no socket can connect to.
 * Every wait is bounded.
 */
/** The Transport shape of @voicewire/voice, declared structurally so testkit does not depend on the driver. */
export interface TransportWebSocket {
  send(data: string | Uint8Array): void;
  close(code: number): void;
}
export interface TransportUdpSocket {
  send(data: Uint8Array): void;
  close(): void;
}
export interface Transport {
  readonly name: string;
  connectWebSocket(url: string, handlers: { onOpen(): void; onMessage(data: string | Uint8Array): void; onClose(code: number, reason: string, failure?: SocketFailure): void }): TransportWebSocket;
  connectUdp(host: string, port: number, handlers: { onMessage(data: Uint8Array): void; onError?(failure: SocketFailure & { readonly fatal: boolean }): void }): TransportUdpSocket;
}
export interface SocketFailure {
  readonly kind: 'tls' | 'too-large' | 'network';
  readonly message: string;
}
import { assert, assertBytes } from './assert.js';
import type { TestCase } from './crypto-conformance.js';

export interface EchoFixtures {
  /** A WebSocket server that echoes every frame with its type; the text `close:<code>` makes it close with that code. */
  readonly wsUrl: string;
  /** A URL where nothing listens. */
  readonly refusedWsUrl: string;
  /** A `wss://` echo server whose self-signed certificate the transport under test does not trust. */
  readonly untrustedWssUrl: string;
  readonly udp: { readonly host: string; readonly port: number };
}

function withTimeout<T>(ms: number, what: string, run: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    run(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export function transportConformance(transport: Transport, fixtures: () => EchoFixtures): TestCase[] {
  const cases: TestCase[] = [];
  const add = (name: string, run: () => Promise<void>) => cases.push({ name: `${transport.name}: ${name}`, run });

  add('WebSocket: opens, echoes text as strings and binary as bytes, closes cleanly', async () => {
    const got: (string | Uint8Array)[] = [];
    let ws: TransportWebSocket | undefined;
    let closed: number | null = null;
    await withTimeout<void>(5_000, 'WebSocket echo', (resolve) => {
      ws = transport.connectWebSocket(fixtures().wsUrl, {
        onOpen: () => {
          ws?.send('{"op":3,"d":{"t":1}}');
          ws?.send(Uint8Array.of(0x00, 0x01, 0x1d, 0xff));
        },
        onMessage: (data) => {
          got.push(data);
          if (got.length === 2) resolve();
        },
        onClose: (code) => (closed = code),
      });
    });
    assert(got[0] === '{"op":3,"d":{"t":1}}', `text frame must come back as the same string, got ${String(got[0])}`);
    assert(got[1] instanceof Uint8Array, 'binary frame must come back as bytes');
    assertBytes(got[1] as Uint8Array, Uint8Array.of(0x00, 0x01, 0x1d, 0xff), 'binary echo');
    ws?.close(1000);
    ws?.close(1000); // idempotent
    ws?.send('after close'); // ignored, never thrown
    assert(closed === null || closed === 1000 || closed === 1005, `own close reports no error code, got ${closed}`);
  });

  add('WebSocket: a server close code reaches onClose', async () => {
    const code = await withTimeout<number>(5_000, 'server close', (resolve) => {
      const ws = transport.connectWebSocket(fixtures().wsUrl, {
        onOpen: () => ws.send('close:4015'),
        onMessage: () => {},
        onClose: (c) => resolve(c),
      });
    });
    assert(code === 4015, `expected close code 4015, got ${code}`);
  });

  add('WebSocket: a refused connection is reported as a close, not thrown', async () => {
    const code = await withTimeout<number>(10_000, 'refused connection', (resolve) => {
      transport.connectWebSocket(fixtures().refusedWsUrl, { onOpen: () => {}, onMessage: () => {}, onClose: (c) => resolve(c) });
    });
    assert(code >= 1000, `a refused connection closes with a transport code (1006), got ${code}`);
  });

  add('WebSocket: a message over the size limit closes the socket with 1009 and says so', async () => {
    const r = await withTimeout<{ code: number; failure?: SocketFailure }>(10_000, 'oversized message', (resolve) => {
      const ws = transport.connectWebSocket(fixtures().wsUrl, {
        onOpen: () => ws.send('big:2097152'), // the echo server answers with a 2 MiB text message
        onMessage: () => resolve({ code: -1 }),
        onClose: (code, _reason, failure) => resolve(failure ? { code, failure } : { code }),
      });
    });
    assert(r.code !== -1, 'a 2 MiB voice gateway message must not be delivered');
    assert(r.failure?.kind === 'too-large', `the failure says the message was too large, got ${JSON.stringify(r)}`);
  });

  add('WebSocket: an untrusted certificate is reported as a TLS failure, not a plain 1006', async () => {
    const r = await withTimeout<{ code: number; failure?: SocketFailure }>(10_000, 'untrusted certificate', (resolve) => {
      transport.connectWebSocket(fixtures().untrustedWssUrl, { onOpen: () => resolve({ code: -1 }), onMessage: () => {}, onClose: (code, _r, failure) => resolve(failure ? { code, failure } : { code }) });
    });
    assert(r.code !== -1, 'the connection must not open with an untrusted certificate');
    assert(r.failure?.kind === 'tls', `the failure is classified as tls, got ${JSON.stringify(r)}`);
    assert(r.failure.message.length > 0, 'the TLS failure carries the cause');
  });

  for (const [what, host, port] of [['port 0', '127.0.0.1', 0], ['the broadcast address', '255.255.255.255', 9], ['a malformed address', 'not a host!', 9]] as const) {
    add(`UDP: ${what} is reported as a fatal failure, never thrown`, async () => {
      const failure = await withTimeout<SocketFailure & { fatal: boolean }>(10_000, `UDP ${what}`, (resolve) => {
        const udp = transport.connectUdp(host, port, { onMessage: () => {}, onError: (f) => resolve(f) });
        udp.send(Uint8Array.of(1, 2, 3)); // queued or dropped, never thrown
      });
      assert(failure.fatal, `a socket that cannot connect reports fatal: ${JSON.stringify(failure)}`);
      assert(failure.message.length > 0, 'the failure carries the cause');
    });
  }

  add('UDP: echoes datagrams, including ones sent before the socket finished connecting', async () => {
    const { host, port } = fixtures().udp;
    const received: Uint8Array[] = [];
    let udp: TransportUdpSocket | undefined;
    await withTimeout<void>(5_000, 'UDP echo', (resolve) => {
      udp = transport.connectUdp(host, port, {
        onMessage: (d) => {
          received.push(new Uint8Array(d));
          if (received.length === 50) resolve();
        },
      });
      for (let i = 0; i < 50; i++) udp.send(Uint8Array.of(i, 0xaa, 0xbb, i));
    });
    const firsts = received.map((d) => d[0]).sort((a, b) => (a as number) - (b as number));
    assert(firsts.every((v, i) => v === i), 'every datagram came back once');
    assertBytes(received.find((d) => d[0] === 7) as Uint8Array, Uint8Array.of(7, 0xaa, 0xbb, 7), 'datagram bytes unchanged');
    udp?.close();
    udp?.close(); // idempotent
    udp?.send(Uint8Array.of(1)); // after close: ignored
  });

  add('UDP: 1,000 datagrams of 192 bytes paced like several voice streams round-trip on loopback', async () => {
    const { host, port } = fixtures().udp;
    let count = 0;
    let udp: TransportUdpSocket | undefined;
    const payload = new Uint8Array(192).fill(0x5a);
    await withTimeout<void>(10_000, 'UDP burst', (resolve) => {
      let sent = 0;
      let settle: ReturnType<typeof setTimeout> | undefined;
      udp = transport.connectUdp(host, port, {
        onMessage: () => {
          if (++count === 1000) {
            clearTimeout(settle);
            resolve();
          }
        },
      });
      const tick = (): void => {
        for (let i = 0; i < 20 && sent < 1000; i++, sent++) udp?.send(payload);
        if (sent < 1000) setTimeout(tick, 2);
        else settle = setTimeout(resolve, 1_000); // whatever is still missing after 1 s is lost
      };
      setTimeout(tick, 20);
    });
    udp?.close();
    // Loopback can drop under bursts when the receive buffer fills; a transport that loses more has a bug.
    assert(count >= 990, `at least 99% of datagrams echoed, got ${count}`);
  });
  return cases;
}
