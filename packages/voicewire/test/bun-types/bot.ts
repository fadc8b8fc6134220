// A Bun bot as a Bun user's TypeScript sees it (`customConditions: ["bun"]`): the `bun` condition's types. Checked by
// tsc in the Bun suite (packages/transport-bun/test/run.bun.ts), which also checks that they came from src/bun.ts.
import { AudioPlayer, bunTransport, createBunTransport, describeSetup, joinVoiceChannel, type SetupReport, type VoiceConnection } from 'voicewire';
import { startEmulator } from 'voicewire/emulator';

export async function bot(): Promise<SetupReport> {
  const server = await startEmulator();
  const transport = createBunTransport({ ca: server.ca ?? [], udpQueueLimit: 128 });
  const connection: VoiceConnection = joinVoiceChannel({ guildId: '1', channelId: '2', userId: '3', adapterCreator: server.adapterCreator('3'), transport });
  await connection.ready({ timeoutMs: 5_000 });
  new AudioPlayer().subscribe(connection);
  connection.destroy();
  await server.close();
  return { ...describeSetup(), transport: bunTransport.name };
}
