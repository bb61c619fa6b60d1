import { z } from 'zod';
import { operations } from '../api.js';

/** Receipts the voice and SMS providers push (语音/短信回执): no token, a path secret per endpoint (src/inbound/parse.ts INBOUND_ENDPOINTS). */

/** The answer each provider expects, or it pushes the receipt again (Aliyun / Tencent). */
export const inboundAnswerSchema = z.union([
  z.object({ code: z.literal(0), msg: z.string() }).meta({ description: 'Aliyun (aliyun-voice, aliyun-sms)' }),
  z.object({ result: z.literal(0), errmsg: z.string() }).meta({ description: 'Tencent (tencent-voice)' }),
]);

export const inboundApi = operations({
  receiveReceipt: {
    method: 'post',
    path: '/v1/inbound/{endpoint}/{secret}',
    summary:
      'Receipts pushed by the providers (endpoint: aliyun-voice for VoiceReport/VoiceCallReport, aliyun-sms for SmsReport/SmsUp, tencent-voice for the VMS callbacks); the path secret comes from FANGXUN_INBOUND_*_SECRET and a wrong one is a 404. Keypress 1 acknowledges (ackVia voice); off, not answered, or answered without the key sends the next contact at once. Idempotent. A malformed receipt is a 400.',
    tag: 'Alerts',
    roles: ['none'],
    body: z.unknown().meta({
      description:
        "The provider's own JSON: Aliyun an array of receipts, Tencent an object (voiceprompt_callback, voicekey_callback or voice_failure_callback)",
    }),
    status: 200,
    response: inboundAnswerSchema,
    example: { code: 0, msg: '接收成功' },
  },
});
