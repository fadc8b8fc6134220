import { describe, expect, it } from 'vitest';
import { chooseTransportMode, TransportMode } from '@voicewire/voice-protocol';

describe('transport mode choice (docs/protocol.md §10.1)', () => {
  const both = [TransportMode.AesGcm, TransportMode.XChaCha];
  it('prefers AES-256-GCM when both sides have it', () => {
    expect(chooseTransportMode(['aead_xchacha20_poly1305_rtpsize', 'aead_aes256_gcm_rtpsize'], both)).toEqual({ ok: true, value: TransportMode.AesGcm });
  });
  it('falls back to XChaCha when the server or the provider lacks AES', () => {
    expect(chooseTransportMode(['aead_xchacha20_poly1305_rtpsize'], both)).toEqual({ ok: true, value: TransportMode.XChaCha });
    expect(chooseTransportMode(['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'], [TransportMode.XChaCha])).toEqual({ ok: true, value: TransportMode.XChaCha });
  });
  it('gives a clear reason when nothing matches', () => {
    const r = chooseTransportMode(['xsalsa20_poly1305'], both);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/no common encryption mode.*xsalsa20_poly1305.*aead_aes256_gcm_rtpsize/);
  });
});
