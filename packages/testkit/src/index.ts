/**
 * @voicewire/testkit — deterministic tools and conformance suites for voicewire.
 *
 * @module @voicewire/testkit
 */
export * from './random.js';
export * from './assert.js';
export * from './vectors.js';
export * from './clock.js';
export * from './crypto-conformance.js';
export * from './sim-network.js';
export * from './transport-conformance.js';
export * from './run-cases.js';
export { HostileScript, runScripted, HOSTILE_TOKEN, HOSTILE_SESSION_ID, type HostileOptions, type HostileActions, type HostileOutput } from './hostile-script.js';
export * from './signal.js';
export * from './wait.js';
