export { startEchoFixtures, type RunningFixtures } from './echo-fixtures.js';
