// The emulator as a tool people run: the CLI (a fixed port, the CA file it prints and removes on exit) and the
// main-gateway client for bots in another process than the emulator.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectEmulatorGateway, startVoiceServer } from '@voicewire/voice-server';
import { joinVoiceChannel } from '@voicewire/voice';
import { createNodeTransport } from '@voicewire/transport-node';
import { nodeProvider } from '@voicewire/crypto-node';
import { daveProvider } from '@voicewire/crypto-dave';
import { CHANNEL, collect, GUILD, until, writeFrames } from './e2e-helpers.js';

const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const cli = fileURLToPath(new URL('../../voice-server/src/cli.ts', import.meta.url));

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('the emulator CLI', () => {
  it('--port serves on that port; the CA file it prints exists while it runs and is removed when it stops', async () => {
    const port = await freePort();
    const child = spawn(tsx, [cli, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out.includes('Ctrl-C'), 15_000, 'the CLI to start');
      expect(out).toContain(`voice endpoint     127.0.0.1:${port}`);
      expect(out).toContain(`UDP                127.0.0.1:${port}`);
      const caFile = /TLS CA certificate (\S+)/.exec(out)?.[1] as string;
      expect(readFileSync(caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(caFile)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('--discord fixtures.json serves the Discord API with those fixtures on --discord-port; a fixture typo exits 2 naming the field', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'voicewire-cli-'));
    const fixtures = joinPath(dir, 'fixtures.json');
    writeFileSync(fixtures, JSON.stringify({ bots: [{ token: 'cli-fixture-token', id: '1500000000000000001' }], guilds: [{ id: '1500000000000000100', name: 'CLI guild' }] }));
    const port = await freePort();
    const child = spawn(tsx, [cli, '--discord', fixtures, '--discord-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out.includes('Ctrl-C'), 15_000, 'the CLI to start');
      expect(out).toContain(`Discord REST API   http://127.0.0.1:${port}/api`);
      expect(out).not.toContain('cli-fixture-token');
      const res = await fetch(`http://127.0.0.1:${port}/api/v10/gateway/bot`, { headers: { authorization: 'Bot cli-fixture-token' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ url: `ws://127.0.0.1:${port}` });
      const guild = await fetch(`http://127.0.0.1:${port}/api/v10/guilds/1500000000000000100`, { headers: { authorization: 'Bot cli-fixture-token' } });
      expect(await guild.json()).toMatchObject({ name: 'CLI guild' });
    } finally {
      child.kill('SIGKILL');
    }
    writeFileSync(fixtures, JSON.stringify({ guilds: [{ id: 'general' }] }));
    const bad = spawn(tsx, [cli, '--discord', fixtures], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    bad.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/discord\.guilds\[\]\.id must be a snowflake/);
  }, 30_000);

  it('rejects a port it cannot use with a clear error', async () => {
    await expect(startVoiceServer({ port: 70_000 })).rejects.toThrow(/port must be/);
  });
});

describe('bots in another process: connectEmulatorGateway', () => {
  it('two bots that only know the gateway URL and the CA join over the wire and hear each other', { timeout: 15_000 }, async () => {
    const server = await startVoiceServer({ tls: true, heartbeatIntervalMs: 1_000 });
    const ca = server.certificate?.cert as string;
    const [ga, gb] = await Promise.all([connectEmulatorGateway(server.gatewayUrl, { ca, token: 'Bot alpha' }), connectEmulatorGateway(server.gatewayUrl, { ca, token: 'Bot beta' })]);
    // two bots in one test process: a group each (one bot per process needs none)
    const join = (g: typeof ga) => joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, group: g.userId, adapterCreator: g.adapterCreator(GUILD), transport: createNodeTransport({ ca }), crypto: nodeProvider, e2ee: daveProvider });
    const a = join(ga);
    const b = join(gb);
    try {
      await Promise.all([a.ready({ timeoutMs: 5_000, e2ee: true }), b.ready({ timeoutMs: 5_000, e2ee: true })]);
      const heard = collect(b, ga.userId);
      await writeFrames(a, 0, 20);
      await until(() => heard.length >= 20, 3_000, '20 frames');
      expect(heard.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      a.destroy();
      b.destroy();
      ga.close();
      gb.close();
      await server.close();
    }
  });

  it('an unreachable gateway is a clear error, not a hang', async () => {
    const port = await freePort();
    await expect(connectEmulatorGateway(`ws://127.0.0.1:${port}/gateway`, { timeoutMs: 2_000 })).rejects.toThrow(/could not connect/);
  });
});
