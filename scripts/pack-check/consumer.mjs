// Runs inside a fresh npm project outside the repository, with only the packed tarballs installed: every public
// package imports with plain Node, and the top-level package joins the installed emulator with DAVE using the
// three-option call. Prints `RESULT {json}`.
const names = ['voicewire', '@voicewire/voice-protocol', '@voicewire/voice', '@voicewire/crypto-noble', '@voicewire/crypto-node', '@voicewire/crypto-sodium', '@voicewire/crypto-sodium/create', '@voicewire/crypto-dave', '@voicewire/transport-node', '@voicewire/transport-bun', '@voicewire/udp-native', '@voicewire/audio', '@voicewire/voice-server', '@voicewire/testkit', '@voicewire/testkit/node', '@voicewire/discordjs'];
let passed = 0;
let failed = 0;
const check = (ok, what) => {
  console.log(`  ${ok ? '✓' : '✗'} ${what}`);
  ok ? passed++ : failed++;
};
for (const n of names) {
  // transport-bun is for Bun; on Node it must still import (its module only touches Bun when used)
  try {
    const m = await import(n);
    check(Object.keys(m).length > 0, `import ${n} with plain Node`);
  } catch (e) {
    check(false, `import ${n}: ${String(e?.message ?? e).split('\n')[0]}`);
  }
}
try {
  const { joinVoiceChannel, describeSetup } = await import('voicewire');
  const { startVoiceServer } = await import('@voicewire/voice-server');
  const server = await startVoiceServer({ tls: false });
  const conns = ['104694319306248192', '158049329150427136'].map((userId) =>
    joinVoiceChannel({ guildId: '1', channelId: '2', adapterCreator: server.adapterCreator(userId), userId, session: { wsScheme: 'ws' } }),
  );
  try {
    await Promise.all(conns.map((c) => c.ready({ timeoutMs: 10_000, e2ee: true })));
    check(conns.every((c) => c.e2ee) && conns[0].privacyCode === conns[1].privacyCode, 'voicewire joins the installed emulator with DAVE (the three-option call)');
  } finally {
    for (const c of conns) c.destroy();
    await server.close();
  }
  const setup = describeSetup();
  check(setup.dave.maxProtocolVersion === 1 && setup.transport === 'node', `describeSetup(): ${setup.crypto.provider} (${setup.crypto.why})`);
} catch (e) {
  check(false, `join with the installed packages: ${String(e?.message ?? e).split('\n')[0]}`);
}
// Batched UDP from the tarballs: npm built @voicewire/udp-native with node-gyp on install (no prebuilt download),
// and a connection on the shared socket pool joins the installed emulator with DAVE and sends through sendmmsg.
try {
  const { loadUdpNative } = await import('@voicewire/udp-native');
  const native = loadUdpNative();
  check(native.loaded, `@voicewire/udp-native built on install: ${native.loaded ? native.detail : native.reason}`);
  const { joinVoiceChannel, createNodeTransport } = await import('voicewire');
  const { startVoiceServer } = await import('@voicewire/voice-server');
  const server = await startVoiceServer({ tls: false, udpPorts: 2 });
  const transport = createNodeTransport({ udp: 'pool' });
  const conns = ['104694319306248192', '158049329150427136'].map((userId) =>
    joinVoiceChannel({ guildId: '1', channelId: '2', adapterCreator: server.adapterCreator(userId), userId, transport, session: { wsScheme: 'ws' } }),
  );
  try {
    await Promise.all(conns.map((c) => c.ready({ timeoutMs: 10_000, e2ee: true })));
    const stats = transport.udpStats();
    check(conns.every((c) => c.e2ee) && stats.pool.sockets === 1 && stats.batch.syscalls > 0, `a shared-pool connection joins with DAVE (${transport.describe()})`);
  } finally {
    for (const c of conns) c.destroy();
    await server.close();
  }
} catch (e) {
  check(false, `batched UDP with the installed packages: ${String(e?.message ?? e).split('\n')[0]}`);
}
// The @discordjs/voice drop-in, installed from its tarball: a bot's join and entersState.
try {
  const djs = await import('@voicewire/discordjs');
  const { startVoiceServer } = await import('@voicewire/voice-server');
  const server = await startVoiceServer({ tls: false });
  const c = djs.joinVoiceChannel({ guildId: '1', channelId: '2', adapterCreator: server.adapterCreator('104694319306248192'), session: { wsScheme: 'ws' } });
  try {
    await djs.entersState(c, djs.VoiceConnectionStatus.Ready, 10_000);
    check(c.state.status === 'ready' && djs.generateDependencyReport().includes('DAVE: davey'), '@voicewire/discordjs joins the installed emulator (joinVoiceChannel + entersState Ready)');
  } finally {
    c.destroy();
    await server.close();
  }
} catch (e) {
  check(false, `@voicewire/discordjs with the installed packages: ${String(e?.message ?? e).split('\n')[0]}`);
}
// The one call a user testing a bot makes, from the tarballs: startEmulator() (wss, a certificate of its own) and the
// three-option join, with nothing about certificates passed.
try {
  const { joinVoiceChannel } = await import('voicewire');
  const { startEmulator } = await import('voicewire/emulator');
  const server = await startEmulator();
  const conns = ['104694319306248192', '158049329150427136'].map((userId) => joinVoiceChannel({ guildId: '1', channelId: '2', userId, adapterCreator: server.adapterCreator(userId) }));
  try {
    await Promise.all(conns.map((c) => c.ready({ timeoutMs: 10_000, e2ee: true })));
    check(conns.every((c) => c.e2ee), 'voicewire/emulator: startEmulator() and joinVoiceChannel over wss with DAVE, no certificate passed');
  } finally {
    for (const c of conns) c.destroy();
    await server.close();
  }
} catch (e) {
  check(false, `voicewire/emulator with the installed packages: ${String(e?.message ?? e).split('\n')[0]}`);
}
// "Test your bot offline" from the tarballs: discord.js (from npm, as the user's project has it) logs in to the
// installed emulator's Discord API, joins voice through guild.voiceAdapterCreator, and a scripted listener hears it.
try {
  const { Client, Events, GatewayIntentBits } = await import('discord.js');
  const { joinVoiceChannel } = await import('voicewire');
  const { startEmulator } = await import('voicewire/emulator');
  const server = await startEmulator({ discord: { bots: [{ token: 'pack-check-token', id: '1100000000000000001' }], users: [{ id: '1200000000000000001' }], guilds: [{ id: '1100000000000000100', members: ['1200000000000000001'] }] } });
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], rest: { api: server.discord.api } });
  let connection = null;
  try {
    const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
    await client.login('pack-check-token');
    await ready;
    const guild = client.guilds.cache.get('1100000000000000100');
    const channelId = '1100000000000000101'; // the default voice channel of the guild
    const listener = await server.addUser({ userId: '1200000000000000001', guildId: guild.id, channelId });
    connection = joinVoiceChannel({ guildId: guild.id, channelId, adapterCreator: guild.voiceAdapterCreator });
    await connection.ready({ timeoutMs: 10_000, e2ee: true });
    const writer = connection.createOpusWriter().getWriter();
    for (let n = 0; n < 25; n++) await writer.write(new Uint8Array([0xfc, n, 1, 2, 3]));
    await writer.close();
    const end = Date.now() + 5_000;
    while (listener.heard(client.user.id).frames < 23 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    check(listener.heard(client.user.id).frames >= 23, 'discord.js logs in to the installed emulator, joins through guild.voiceAdapterCreator, a scripted listener hears it');
  } finally {
    connection?.destroy();
    await client.destroy();
    await server.close();
  }
} catch (e) {
  check(false, `discord.js against the installed emulator: ${String(e?.message ?? e).split('\n')[0]}`);
}
// Every package carries its README and LICENSE.
const { existsSync } = await import('node:fs');
for (const n of names.filter((n) => n.split('/').length === (n.startsWith('@') ? 2 : 1))) {
  const dir = `node_modules/${n}`;
  check(existsSync(`${dir}/README.md`) && existsSync(`${dir}/LICENSE`), `${n} ships its README and LICENSE`);
}
console.log(`RESULT ${JSON.stringify({ suite: 'pack', passed, failed })}`);
process.exit(failed ? 1 : 0);
