/**
 * The emulator's map keys, spelled in one place: a member of a guild (a main-gateway voice state and its voice
 * session), a channel of a guild (the relay's fan-out, the DAVE group), and a UDP source address.
 */
import type { UdpAddress } from './types.js';

/** A member of a guild: `guildId:userId`. */
export const memberKey = (guildId: string, userId: string): string => `${guildId}:${userId}`;

/** A channel of a guild: `guildId:channelId`. */
export const channelKey = (guildId: string, channelId: string): string => `${guildId}:${channelId}`;

/** A UDP source: `address|port`. */
export const udpKey = (a: UdpAddress): string => `${a.address}|${a.port}`;
