/** Speaking flags (docs/protocol.md §4.2 op 5) and the Opus silence frame (§9.5). */

export const SpeakingFlags = {
  None: 0,
  Microphone: 1,
  Soundshare: 2,
  Priority: 4,
} as const;

/** The 3-byte Opus silence frame `F8 FF FE`. Frozen copy: callers must not mutate it. */
export const OPUS_SILENCE_FRAME: Uint8Array = Uint8Array.of(0xf8, 0xff, 0xfe);

/** Frames of silence sent before going quiet (§9.5). */
export const SILENCE_FRAMES_ON_STOP = 5;

export function isSilenceFrame(frame: Uint8Array): boolean {
  return frame.length === 3 && frame[0] === 0xf8 && frame[1] === 0xff && frame[2] === 0xfe;
}

export function isValidSpeakingFlags(flags: number): boolean {
  return Number.isInteger(flags) && flags >= 0 && flags <= 7;
}
