export { startEchoFixtures, type RunningFixtures } from './echo-fixtures.js';
export { HostileVoiceServer, type HostileTls } from './hostile-server.js';
