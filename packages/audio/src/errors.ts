/** Audio errors carry a code and a message that says what is wrong with the input and what to do. */
export type AudioErrorCode = 'E_NOT_OGG' | 'E_NOT_WEBM' | 'E_NOT_OPUS' | 'E_FRAME_SIZE' | 'E_CORRUPT' | 'E_FFMPEG_MISSING' | 'E_FFMPEG_FAILED' | 'E_FFMPEG_NO_OUTPUT' | 'E_STALLED' | 'E_BAD_PCM' | 'E_FILE_NOT_FOUND' | 'E_OPUS_UNAVAILABLE' | 'E_CODEC_CLOSED' | 'E_SEEK_UNSUPPORTED' | 'E_NOT_PLAYING' | 'E_ALREADY_RUNNING';

export class AudioError extends Error {
  readonly code: AudioErrorCode;
  constructor(code: AudioErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'AudioError';
    this.code = code;
  }
}
