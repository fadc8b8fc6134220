// The part of Bun's API this transport uses (Bun's own typings are not needed to type-check it).
declare namespace Bun {
  interface ConnectedUdpSocket {
    send(data: Uint8Array): boolean;
    sendMany(packets: readonly Uint8Array[]): number;
    close(): void;
  }
  interface UdpSocketOptions {
    connect: { hostname: string; port: number };
    socket: { data(socket: ConnectedUdpSocket, data: Uint8Array, port: number, address: string): void; error?(socket: ConnectedUdpSocket, error: Error): void };
  }
}
declare const Bun: { udpSocket(options: Bun.UdpSocketOptions): Promise<Bun.ConnectedUdpSocket>; version: string };
