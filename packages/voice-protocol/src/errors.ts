/**
 * Errors raised by voicewire. Remote input never throws (it becomes a warning and a counter);
 * these are for misuse by the caller and for terminal connection failures.
 */
export type VoiceErrorCode =
  | 'E_LOCAL_PROTOCOL'
  | 'E_BAD_ARGUMENT'
  | 'E_BAD_KEY'
  | 'E_NO_COMMON_MODE'
  | 'E_JOIN_TIMEOUT'
  | 'E_ENDPOINT_UNREACHABLE'
  | 'E_IP_DISCOVERY_FAILED'
  | 'E_CLOSED'
  | 'E_DAVE_REQUIRED'
  | 'E_RATE_LIMITED'
  | 'E_DISCONNECTED'
  | 'E_CALL_TERMINATED'
  | 'E_CLIENT_BUG'
  | 'E_RECONNECT_EXHAUSTED'
  | 'E_TLS'
  | 'E_INSECURE_TRANSPORT'
  | 'E_DAVE_UNSUPPORTED'
  | 'E_DAVE_FAILED'
  | 'E_DESTROYED'
  | 'E_ABORTED'
  | 'E_TIMEOUT'
  | 'E_GATEWAY_UNAVAILABLE'
  | 'E_GATEWAY_CLOSED';

export class VoiceError extends Error {
  readonly code: VoiceErrorCode;
  /** The voice WebSocket close code behind a terminal error, when there was one (e.g. 4014, 4021). */
  readonly closeCode?: number;
  constructor(code: VoiceErrorCode, message: string, options?: { cause?: unknown; closeCode?: number }) {
    super(`${code}: ${message}`, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'VoiceError';
    this.code = code;
    if (options?.closeCode !== undefined) this.closeCode = options.closeCode;
  }
}

/** Thrown when the caller uses the protocol core wrongly (a bug in the caller, never remote input). */
export class LocalProtocolError extends VoiceError {
  constructor(message: string, code: VoiceErrorCode = 'E_LOCAL_PROTOCOL') {
    super(code, message);
    this.name = 'LocalProtocolError';
  }
}
