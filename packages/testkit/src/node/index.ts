/**
 * Node-only test fixtures of @voicewire/testkit: loopback echo servers and a hostile voice server.
 *
 * @module @voicewire/testkit/node
 */
export { startEchoFixtures, type RunningFixtures } from './echo-fixtures.js';
export { HostileVoiceServer, type HostileTls } from './hostile-server.js';
