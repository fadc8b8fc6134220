/** @voicewire/voice-server — a local Discord voice emulator. */
export * from './core/index.js';
