/**
 * The local voice emulator for testing a bot written against @discordjs/voice offline: the same one call as
 * `voicewire/emulator` (the drop-in runs on voicewire, so it trusts the emulator's certificate too). Pass
 * `server.adapterCreator(userId)` where the bot passes `guild.voiceAdapterCreator`.
 *
 * @module @voicewire/discordjs/emulator
 */
export { startEmulator, type Emulator, type VoiceServer, type VoiceServerOptions } from 'voicewire/emulator';
