// The emulated main gateway's answers to op 4, as Discord gives them (docs/protocol.md §2.1–§2.3): a join or a move
// gets VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE; a change of only self mute/deaf in the member's channel gets a
// VOICE_STATE_UPDATE alone — also while the client is still connecting to the voice server of that join or move.
import { describe, expect, it } from 'vitest';
import { nodeProvider } from '@voicewire/crypto-node';
import { VoiceServerCore } from '../src/core/index.js';

const GUILD = '41771983423143937';
const USER = '104694319306248192';

function core(): VoiceServerCore {
  return new VoiceServerCore({ random: Math.random, crypto: nodeProvider, endpoint: 'x:1', udp: { address: '127.0.0.1', port: 1 } });
}
/** The main-gateway dispatches of one drain, as `T:channel`. */
function dispatches(c: VoiceServerCore): string[] {
  const out: string[] = [];
  for (let o = c.poll(); o.type !== 'timer'; o = c.poll()) {
    if (o.type === 'gateway-dispatch') out.push(o.t === 'VOICE_SERVER_UPDATE' ? 'SERVER' : `STATE:${String(o.d.channel_id)}:${o.d.self_mute ? 'm' : '-'}${o.d.self_deaf ? 'd' : '-'}`);
  }
  return out;
}

describe('the emulated main gateway (op 4)', () => {
  it('join, mute while connecting, move, deafen while connecting, leave', () => {
    const c = core();
    const op4 = (channel: string | null, mute: boolean, deaf: boolean): string[] => {
      c.handleGatewayVoiceStateUpdate(USER, { guild_id: GUILD, channel_id: channel, self_mute: mute, self_deaf: deaf }, 0);
      return dispatches(c);
    };
    expect(op4('100', false, false)).toEqual(['STATE:100:--', 'SERVER']);
    expect(c.voiceState(USER)).toEqual({ guildId: GUILD, channelId: '100', selfMute: false, selfDeaf: false });
    // no voice WebSocket yet: the flags change alone, the token of the join stays the one to use
    expect(op4('100', true, false)).toEqual(['STATE:100:m-']);
    expect(op4('200', true, false)).toEqual(['STATE:200:m-', 'SERVER']);
    expect(op4('200', true, true)).toEqual(['STATE:200:md']);
    expect(c.voiceState(USER)).toEqual({ guildId: GUILD, channelId: '200', selfMute: true, selfDeaf: true });
    // the same op 4 again (a rejoin, as @discordjs/voice's rejoin() sends): a new voice server allocation
    expect(op4('200', true, true)).toEqual(['STATE:200:md', 'SERVER']);
    expect(op4(null, false, false)).toEqual(['STATE:null:--']);
    expect(c.voiceState(USER)).toBeUndefined();
  });
});
