/**
 * Voice gateway close codes and what a client does about each (docs/protocol.md §7), as data.
 *   resume           open a new socket to the same endpoint and send op 7
 *   fresh-join       start over: op 4 on the main gateway, new token, Identify
 *   wait-for-server  do not reconnect on our own; connect fresh if a new VOICE_SERVER_UPDATE arrives
 *   give-up          terminal: report the reason to the user
 */
export type CloseAction = 'resume' | 'fresh-join' | 'wait-for-server' | 'give-up';

export interface CloseCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly action: CloseAction;
  /** What happened and what to do, for a human. */
  readonly reason: string;
}

const TABLE: readonly CloseCodeInfo[] = [
  { code: 4001, name: 'Unknown opcode', action: 'give-up', reason: 'the client sent an invalid opcode (a bug in the client library; please report it)' },
  { code: 4002, name: 'Failed to decode payload', action: 'give-up', reason: 'the server could not decode a payload the client sent (a bug in the client library; please report it)' },
  { code: 4003, name: 'Not authenticated', action: 'fresh-join', reason: 'a payload was sent before Identify; rejoining once' },
  { code: 4004, name: 'Authentication failed', action: 'fresh-join', reason: 'the voice token was rejected; rejoining to get a new token' },
  { code: 4005, name: 'Already authenticated', action: 'give-up', reason: 'the client identified twice (a bug in the client library; please report it)' },
  { code: 4006, name: 'Session no longer valid', action: 'fresh-join', reason: 'the voice session is no longer valid; rejoining' },
  { code: 4009, name: 'Session timeout', action: 'fresh-join', reason: 'the voice session timed out; rejoining' },
  { code: 4011, name: 'Server not found', action: 'fresh-join', reason: 'the voice server was not found; rejoining' },
  { code: 4012, name: 'Unknown protocol', action: 'give-up', reason: 'the server did not recognise the protocol in Select Protocol (a bug in the client library)' },
  { code: 4013, name: 'WebRTC crashed', action: 'resume', reason: 'the server reported a media failure; resuming' },
  { code: 4014, name: 'Disconnected', action: 'wait-for-server', reason: 'this client was disconnected from voice (kicked, moved, or the main gateway session dropped); join again to reconnect' },
  { code: 4015, name: 'Voice server crashed', action: 'resume', reason: 'the voice server crashed; resuming' },
  { code: 4016, name: 'Unknown encryption mode', action: 'give-up', reason: 'the server did not recognise the encryption mode (a bug in the client library or crypto provider)' },
  { code: 4017, name: 'E2EE/DAVE protocol required', action: 'give-up', reason: 'this channel requires DAVE end-to-end encryption; pass a DAVE provider (e.g. @voicewire/crypto-dave) so Identify offers max_dave_protocol_version 1' },
  { code: 4020, name: 'Bad request', action: 'give-up', reason: 'the server rejected a malformed request (a bug in the client library; please report it)' },
  { code: 4021, name: 'Disconnected: Rate Limited', action: 'give-up', reason: 'rate limited by Discord; wait before joining again' },
  { code: 4022, name: 'Disconnected: Call Terminated', action: 'wait-for-server', reason: 'the call ended (channel deleted, everyone left, or the voice server changed); join again to reconnect' },
];

export const CLOSE_CODES: ReadonlyMap<number, CloseCodeInfo> = new Map(TABLE.map((c) => [c.code, c]));

/** The policy for any close code, including transport codes (< 4000) and numbers Discord does not define. */
export function closeCodePolicy(code: number): CloseCodeInfo {
  const known = CLOSE_CODES.get(code);
  if (known) return known;
  if (code < 4000) return { code, name: 'Transport close', action: 'resume', reason: `the connection closed (code ${code}); resuming` };
  return { code, name: 'Unknown close code', action: 'fresh-join', reason: `the server closed with undocumented code ${code}; rejoining` };
}
