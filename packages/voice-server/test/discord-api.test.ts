// The emulated Discord REST API and main gateway (v10) under a hostile client, on real sockets: every bad input
// gets Discord's answer (an error JSON, a close code), the emulator never crashes, keeps serving the next client,
// and no token ever comes back. discord.js itself against this surface is in packages/e2e/test/discordjs-client.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
// testkit depends on this package, so its dependency-free wait helper is imported by path (no cycle)
import { until } from '../../testkit/src/wait.js';
import { DEFAULT_BOT_TOKEN, DEFAULT_GUILD_ID, DiscordWorld, GatewayClose, shardOf } from '../src/index.js';
import { startVoiceServer, type VoiceServer } from '../src/server.js';

const GUILDS = ['1100000000000000100', '1100000000004194404', '1100000000008388708', '1100000000012582912'];
let server: VoiceServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(discord: ConstructorParameters<typeof DiscordWorld>[0] = {}): Promise<VoiceServer> {
  server = await startVoiceServer({ tls: false, discord });
  return server;
}

interface Gw {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<number>;
  code: () => number | null;
}
async function gateway(s: VoiceServer, query = '?v=10&encoding=json'): Promise<Gw> {
  const ws = new WebSocket(`${s.discord?.gatewayUrl}${query}`);
  const messages: Record<string, unknown>[] = [];
  let code: number | null = null;
  const closed = new Promise<number>((resolve) => ws.on('close', (c) => resolve((code = c))));
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed, code: () => code };
}
const identify = (token = DEFAULT_BOT_TOKEN, extra: Record<string, unknown> = {}) => JSON.stringify({ op: 2, d: { token, intents: 129, properties: { os: 'linux', browser: 'test', device: 'test' }, ...extra } });
const dispatches = (g: Gw, t: string) => g.messages.filter((m) => m.op === 0 && m.t === t);

async function rest(s: VoiceServer, path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = init.token === undefined ? DEFAULT_BOT_TOKEN : init.token;
  const res = await fetch(`${s.discord?.api}${path}`, { ...init, headers: { ...(token === null ? {} : { authorization: `Bot ${token}` }), ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('REST (v10)', () => {
  it('GET /gateway/bot gives the gateway URL and shard count; unknown routes 404 and wrong tokens 401, in Discord’s shape', async () => {
    const s = await start({ recommendedShards: 2 });
    const ok = await rest(s, '/v10/gateway/bot');
    expect(ok).toEqual({ status: 200, body: { url: s.discord?.gatewayUrl, shards: 2, session_start_limit: expect.objectContaining({ max_concurrency: 1 }) } });
    expect(await rest(s, '/v10/gateway/bot', { token: 'not-the-token' })).toEqual({ status: 401, body: { message: '401: Unauthorized', code: 0 } });
    expect(await rest(s, '/v10/gateway/bot', { token: null })).toEqual({ status: 401, body: { message: '401: Unauthorized', code: 0 } });
    expect(await rest(s, '/v10/channels/1/messages')).toEqual({ status: 404, body: { message: '404: Not Found', code: 0 } });
    expect(await rest(s, '/v10/gateway/bot', { method: 'DELETE' })).toMatchObject({ status: 405 });
    expect(await rest(s, '/v10/guilds/999999999999999999')).toEqual({ status: 404, body: { message: 'Unknown Guild', code: 10004 } });
    const me = await rest(s, '/v10/users/@me');
    expect(me.body).toMatchObject({ id: s.discord?.world.bots[0]?.id, bot: true });
    expect(JSON.stringify(me.body)).not.toContain(DEFAULT_BOT_TOKEN);
    expect((await rest(s, '/v10/guilds/' + DEFAULT_GUILD_ID + '/channels')).body).toHaveLength(3);
    expect(s.discord?.rest.stats).toMatchObject({ unauthorized: 2, notFound: 1 });
  });

  it('a body over the limit is answered 413, and the server keeps serving', async () => {
    const s = await start();
    const r = await fetch(`${s.discord?.api}/v10/gateway/bot`, { method: 'POST', body: 'x'.repeat(200_000), headers: { authorization: `Bot ${DEFAULT_BOT_TOKEN}` } }).catch(() => null);
    if (r) expect([413, 405]).toContain(r.status);
    expect((await rest(s, '/v10/gateway/bot')).status).toBe(200);
  });
});

describe('gateway (v10): login', () => {
  it('Hello, Identify → READY and one GUILD_CREATE per guild with channels, members and voice states; heartbeat → ACK', async () => {
    const s = await start({ users: [{ id: '1200000000000000001', username: 'alice' }], guilds: [{ id: DEFAULT_GUILD_ID, members: ['1200000000000000001'] }] });
    const g = await gateway(s);
    await until(() => g.messages.length === 1, 2_000, 'Hello');
    expect(g.messages[0]).toMatchObject({ op: 10, d: { heartbeat_interval: 41_250 } });
    g.ws.send(identify());
    await until(() => dispatches(g, 'GUILD_CREATE').length === 1, 2_000, 'GUILD_CREATE');
    const ready = dispatches(g, 'READY')[0]?.d as Record<string, unknown>;
    expect(ready).toMatchObject({ v: 10, shard: [0, 1], guilds: [{ id: DEFAULT_GUILD_ID, unavailable: true }], resume_gateway_url: s.discord?.gatewayUrl });
    const guild = dispatches(g, 'GUILD_CREATE')[0]?.d as { channels: { type: number }[]; members: { user: { username: string } }[]; voice_states: unknown[] };
    expect(guild.channels.map((c) => c.type)).toEqual([2, 13, 0]);
    expect(guild.members.map((m) => m.user.username)).toContain('alice');
    expect(guild.voice_states).toEqual([]);
    g.ws.send(JSON.stringify({ op: 1, d: 2 }));
    await until(() => g.messages.some((m) => m.op === 11), 2_000, 'Heartbeat ACK');
    // sequence numbers count up from 1 over the dispatches
    expect(g.messages.filter((m) => m.op === 0).map((m) => m.s)).toEqual([1, 2]);
    g.ws.close();
  });

  it('GUILD_CREATE carries the voice states of members already in a channel; later changes reach the bot as VOICE_STATE_UPDATE', async () => {
    const s = await start({ users: [{ id: '1200000000000000001', username: 'alice' }], guilds: [{ id: DEFAULT_GUILD_ID, members: ['1200000000000000001'] }] });
    const voice = String(BigInt(DEFAULT_GUILD_ID) + 1n);
    // alice joins through an in-process adapter (as a scripted user does): op 4 with the default voice channel
    const adapter = s.adapterCreator('1200000000000000001', DEFAULT_GUILD_ID)({ onVoiceServerUpdate() {}, onVoiceStateUpdate() {}, destroy() {} });
    adapter.sendPayload({ op: 4, d: { guild_id: DEFAULT_GUILD_ID, channel_id: voice, self_mute: true, self_deaf: false } });
    await until(() => s.voiceState('1200000000000000001') !== undefined, 2_000, 'alice in the channel');
    const g = await gateway(s);
    g.ws.send(identify());
    await until(() => dispatches(g, 'GUILD_CREATE').length === 1, 2_000, 'GUILD_CREATE');
    const guild = dispatches(g, 'GUILD_CREATE')[0]?.d as { voice_states: Record<string, unknown>[] };
    expect(guild.voice_states).toEqual([expect.objectContaining({ user_id: '1200000000000000001', channel_id: voice, self_mute: true, self_deaf: false })]);
    expect(JSON.stringify(guild.voice_states)).not.toMatch(/token/);
    adapter.sendPayload({ op: 4, d: { guild_id: DEFAULT_GUILD_ID, channel_id: null, self_mute: false, self_deaf: false } });
    await until(() => dispatches(g, 'VOICE_STATE_UPDATE').length === 1, 2_000, 'alice leaving, as the bot sees it');
    expect(dispatches(g, 'VOICE_STATE_UPDATE')[0]?.d).toMatchObject({ guild_id: DEFAULT_GUILD_ID, user_id: '1200000000000000001', channel_id: null, member: { user: { username: 'alice' } } });
    // no VOICE_SERVER_UPDATE of another member reaches the bot
    expect(dispatches(g, 'VOICE_SERVER_UPDATE')).toHaveLength(0);
    g.ws.close();
  });

  it('a shard sees only its guilds: (guild_id >> 22) % num_shards === shard_id', async () => {
    const s = await start({ guilds: GUILDS.map((id) => ({ id })) });
    const seen: string[][] = [];
    for (const shard of [0, 1]) {
      const g = await gateway(s);
      g.ws.send(identify(DEFAULT_BOT_TOKEN, { shard: [shard, 2] }));
      const expected = GUILDS.filter((id) => shardOf(id, 2) === shard);
      await until(() => dispatches(g, 'GUILD_CREATE').length === expected.length, 2_000, `shard ${shard}'s guilds`);
      seen.push(dispatches(g, 'GUILD_CREATE').map((m) => (m.d as { id: string }).id));
      expect(seen[shard]).toEqual(expected);
      g.ws.close();
    }
    expect(seen.flat().sort()).toEqual([...GUILDS].sort());
    expect(seen[0]?.length).toBeGreaterThan(0);
    expect(seen[1]?.length).toBeGreaterThan(0);
  });

  it('Resume replays what was missed, then RESUMED; an unknown session or sequence gets Invalid Session', async () => {
    const s = await start();
    const a = await gateway(s);
    a.ws.send(identify());
    await until(() => dispatches(a, 'GUILD_CREATE').length === 1, 2_000, 'login');
    const sessionId = (dispatches(a, 'READY')[0]?.d as { session_id: string }).session_id;
    a.ws.terminate();
    await a.closed;
    const b = await gateway(s);
    b.ws.send(JSON.stringify({ op: 6, d: { token: DEFAULT_BOT_TOKEN, session_id: sessionId, seq: 1 } }));
    await until(() => dispatches(b, 'RESUMED').length === 1, 2_000, 'RESUMED');
    expect(b.messages.filter((m) => m.op === 0).map((m) => [m.t, m.s])).toEqual([['GUILD_CREATE', 2], ['RESUMED', 3]]);
    const c = await gateway(s);
    c.ws.send(JSON.stringify({ op: 6, d: { token: DEFAULT_BOT_TOKEN, session_id: 'nope', seq: 1 } }));
    await until(() => c.messages.some((m) => m.op === 9), 2_000, 'Invalid Session');
    expect(c.messages.find((m) => m.op === 9)).toMatchObject({ d: false });
    // the client identifies on the same socket after an Invalid Session
    c.ws.send(identify());
    await until(() => dispatches(c, 'READY').length === 1, 2_000, 'READY after Invalid Session');
    expect(s.discord?.gateway.stats).toMatchObject({ resumes: 1, invalidSessions: 1, identifies: 2 });
    b.ws.close();
    c.ws.close();
  });
});

describe('gateway (v10): a hostile client is closed with Discord’s code, and the emulator keeps serving', () => {
  const cases: [string, (g: Gw) => void, number][] = [
    ['text that is not JSON', (g) => g.ws.send('{"op":'), GatewayClose.DecodeError],
    ['JSON that is not an object', (g) => g.ws.send('[1,2]'), GatewayClose.DecodeError],
    ['a binary frame', (g) => g.ws.send(Buffer.from([1, 2, 3])), GatewayClose.DecodeError],
    ['a message over 4096 bytes', (g) => g.ws.send(JSON.stringify({ op: 1, d: 'x'.repeat(5_000) })), GatewayClose.DecodeError],
    ['an unknown opcode', (g) => g.ws.send('{"op":77,"d":null}'), GatewayClose.UnknownOpcode],
    ['op 4 before Identify', (g) => g.ws.send(JSON.stringify({ op: 4, d: { guild_id: DEFAULT_GUILD_ID, channel_id: null } })), GatewayClose.NotAuthenticated],
    ['a wrong token', (g) => g.ws.send(identify('wrong-token-123')), GatewayClose.AuthenticationFailed],
    ['a missing token', (g) => g.ws.send('{"op":2,"d":{"intents":1}}'), GatewayClose.AuthenticationFailed],
    ['Identify twice', (g) => (g.ws.send(identify()), g.ws.send(identify())), GatewayClose.AlreadyAuthenticated],
    ['intents that are not bits Discord defines', (g) => g.ws.send(identify(DEFAULT_BOT_TOKEN, { intents: 1 << 23 })), GatewayClose.InvalidIntents],
    ['intents that are not a number', (g) => g.ws.send(identify(DEFAULT_BOT_TOKEN, { intents: '129' })), GatewayClose.InvalidIntents],
    ['a shard out of range', (g) => g.ws.send(identify(DEFAULT_BOT_TOKEN, { shard: [2, 2] })), GatewayClose.InvalidShard],
    ['a shard that is not a pair', (g) => g.ws.send(identify(DEFAULT_BOT_TOKEN, { shard: 'x' })), GatewayClose.InvalidShard],
  ];
  for (const [what, send, code] of cases) {
    it(`${what} → ${code}`, async () => {
      const s = await start();
      const g = await gateway(s);
      send(g);
      expect(await g.closed).toBe(code);
      const again = await gateway(s);
      again.ws.send(identify());
      await until(() => dispatches(again, 'READY').length === 1, 2_000, 'a new client still logs in');
      again.ws.close();
    });
  }

  it('privileged intents a bot was not granted → 4014; an unsupported version → 4012', async () => {
    const s = await start({ bots: [{ token: 'restricted-bot-token', id: '1300000000000000001', privilegedIntents: false }] });
    const g = await gateway(s);
    g.ws.send(identify('restricted-bot-token', { intents: 129 | (1 << 15) }));
    expect(await g.closed).toBe(GatewayClose.DisallowedIntents);
    const v = await gateway(s, '?v=6&encoding=json');
    expect(await v.closed).toBe(GatewayClose.InvalidApiVersion);
  });

  it('a socket that never identifies is closed (4009); a flood of commands is closed (4008)', async () => {
    const s = await start({ identifyTimeoutMs: 200, commandsPerMinute: 20 });
    const idle = await gateway(s);
    expect(await idle.closed).toBe(GatewayClose.SessionTimedOut);
    const flood = await gateway(s);
    flood.ws.send(identify());
    for (let i = 0; i < 40 && flood.ws.readyState === WebSocket.OPEN; i++) flood.ws.send('{"op":1,"d":null}');
    expect(await flood.closed).toBe(GatewayClose.RateLimited);
    expect(s.discord?.gateway.stats.closedForInput).toBe(2);
  });

  it('random messages never crash it, never echo a token, and a good client still logs in afterwards', async () => {
    const s = await start();
    const heard: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.json(), fc.string(), fc.record({ op: fc.integer({ min: -1, max: 40 }), d: fc.anything() }).map((m) => JSON.stringify(m) ?? 'null')), { maxLength: 6 }), async (msgs) => {
        const g = await gateway(s);
        g.ws.send(identify());
        for (const m of msgs) if (g.ws.readyState === WebSocket.OPEN) g.ws.send(m);
        g.ws.send('{"op":1,"d":null}');
        await Promise.race([g.closed, until(() => g.messages.some((m) => m.op === 11), 2_000, 'an answer').catch(() => undefined)]);
        heard.push(...g.messages.map((m) => JSON.stringify(m)));
        g.ws.terminate();
        await g.closed;
      }),
      { numRuns: 40 },
    );
    for (const text of heard) expect(text).not.toContain(DEFAULT_BOT_TOKEN);
    expect(inspect(s.discord?.world)).not.toContain(DEFAULT_BOT_TOKEN);
    const g = await gateway(s);
    g.ws.send(identify());
    await until(() => dispatches(g, 'READY').length === 1, 2_000, 'a good client');
    g.ws.close();
  });

  it('fixtures with a typo fail at start with a message that names the field', async () => {
    await expect(startVoiceServer({ tls: false, discord: { guilds: [{ id: 'general' }] } })).rejects.toThrow(/discord\.guilds\[\]\.id must be a snowflake/);
    await expect(startVoiceServer({ tls: false, discord: { bots: [{ token: 'short', id: '1300000000000000001' }] } })).rejects.toThrow(/token/);
    await expect(startVoiceServer({ tls: false, discord: { bots: [{ token: 'bot-token-1234', id: '1300000000000000001' }] } })).rejects.toThrow(/strips that prefix/);
  });
});
