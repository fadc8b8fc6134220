/**
 * Main-gateway adapters, the same shape as discord.js's `DiscordGatewayAdapterCreator`: a discord.js bot passes
 * `guild.voiceAdapterCreator` unchanged.
 */
import type { GatewayVoiceStateUpdate, VoiceServerUpdateData, VoiceStateUpdateData } from '@voicewire/voice-protocol';

/** What voicewire gives the adapter: call these when the main gateway delivers voice events. */
export interface DiscordGatewayAdapterLibraryMethods {
  onVoiceServerUpdate(data: VoiceServerUpdateData): void;
  onVoiceStateUpdate(data: VoiceStateUpdateData): void;
  destroy(): void;
}

/** What the adapter gives voicewire. */
export interface DiscordGatewayAdapterImplementerMethods {
  /** Sends op 4 on the main gateway; returns false when it could not be sent. */
  sendPayload(payload: GatewayVoiceStateUpdate): boolean;
  destroy(): void;
}

export type DiscordGatewayAdapterCreator = (methods: DiscordGatewayAdapterLibraryMethods) => DiscordGatewayAdapterImplementerMethods;
