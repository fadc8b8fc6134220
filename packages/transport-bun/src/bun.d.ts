// The part of Bun's API this transport uses (Bun's own typings are not needed to type-check it).
declare namespace Bun {
  interface ConnectedUdpSocket {
    send(data: Uint8Array): boolean;
    sendMany(packets: readonly Uint8Array[]): number;
    close(): void;
  }
  /** An unconnected socket: each datagram names its destination; `sendMany` takes [data, port, address, …]. */
  interface UdpSocket {
    send(data: Uint8Array, port: number, address: string): boolean;
    sendMany(packets: readonly (Uint8Array | number | string)[]): number;
    close(): void;
    readonly port: number;
  }
  interface UdpSocketOptions {
    connect: { hostname: string; port: number };
    socket: { data(socket: ConnectedUdpSocket, data: Uint8Array, port: number, address: string): void; error?(socket: ConnectedUdpSocket, error: Error): void };
  }
  interface UnconnectedUdpSocketOptions {
    hostname?: string;
    port?: number;
    socket: { data(socket: UdpSocket, data: Uint8Array, port: number, address: string): void; error?(socket: UdpSocket, error: Error): void };
  }
}
declare const Bun: {
  udpSocket(options: Bun.UdpSocketOptions): Promise<Bun.ConnectedUdpSocket>;
  udpSocket(options: Bun.UnconnectedUdpSocketOptions): Promise<Bun.UdpSocket>;
  version: string;
  dns: { lookup(hostname: string): Promise<{ address: string; family: 4 | 6 }[]> };
};
