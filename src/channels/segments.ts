/**
 * How many SMS a text costs on the handset (3GPP TS 23.038 / 23.040). A text in the GSM 7-bit
 * alphabet takes 160 characters in one SMS, 153 per part when concatenated (escape characters
 * such as `€ [ ] { }` count twice); anything else — every Chinese text — goes as UCS-2: 70 UTF-16
 * units alone, 67 per part (a character outside the BMP takes two units and is never split).
 */
const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';

export type SmsEncoding = 'gsm7' | 'ucs2';

export interface SmsCost {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 units (UCS-2). */
  units: number;
  segments: number;
}

export function smsCost(text: string): SmsCost {
  let septets = 0;
  for (const ch of text) {
    if (GSM_BASIC.includes(ch)) septets += 1;
    else if (GSM_EXTENSION.includes(ch)) septets += 2;
    else return ucs2Cost(text);
  }
  return { encoding: 'gsm7', units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
}

function ucs2Cost(text: string): SmsCost {
  const units = text.length;
  if (units <= 70) return { encoding: 'ucs2', units, segments: 1 };
  // Parts of 67 units, a surrogate pair kept whole.
  let segments = 0;
  let inPart = 0;
  for (const ch of text) {
    if (segments === 0 || inPart + ch.length > 67) {
      segments += 1;
      inPart = 0;
    }
    inPart += ch.length;
  }
  return { encoding: 'ucs2', units, segments };
}

/** UTF-16 units a Chinese text of `segments` parts may hold. */
export function ucs2Capacity(segments: number): number {
  return segments <= 1 ? 70 : segments * 67;
}
