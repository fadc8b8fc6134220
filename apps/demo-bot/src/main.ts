// Smoke example until the full demo lands: walks the first handshake messages through the codecs.
import { decodeGatewayMessage, encodeGatewayMessage, encodeIpDiscoveryRequest, encodeRtpHeader, toHex } from '@voicewire/voice-protocol';

const identify = encodeGatewayMessage({ op: 0, d: { serverId: '1', userId: '2', sessionId: 'session', token: 'token', maxDaveProtocolVersion: 1 } });
const ready = decodeGatewayMessage('{"op":2,"d":{"ssrc":1,"ip":"127.0.0.1","port":1234,"modes":["aead_aes256_gcm_rtpsize","aead_xchacha20_poly1305_rtpsize"]}}');
if (!ready.ok || ready.value.op !== 2) throw new Error('Ready did not decode');
console.log('Identify frame bytes:', identify.length);
console.log('Ready:', ready.value.d);
console.log('IP discovery request:', toHex(encodeIpDiscoveryRequest(ready.value.d.ssrc)));
console.log('first RTP header:', toHex(encodeRtpHeader({ sequence: 1, timestamp: 960, ssrc: ready.value.d.ssrc })));
