import type { OutboundMessage } from '../../src/channels/types.js';

/** One rendered alert message (liaison leader, Ⅱ级, with an answer link) for the channel tests. */
export const sampleMessage: OutboundMessage = {
  messageId: '341881001~1:p-lead:notify:1',
  alertId: '341881001~1',
  townshipId: '341881001',
  level: 'II',
  personId: 'p-lead',
  personName: '市领导甲',
  mobile: '+8613800000001',
  role: 'liaison-leader',
  title: '【防汛Ⅱ级(橙色)应急响应】西津街道',
  text: '市领导甲（联系市领导）：西津街道已达到防汛Ⅱ级(橙色)应急响应。\n确认链接：http://fangxun.test/a/x.y',
  markdown: '### 【防汛Ⅱ级(橙色)应急响应】西津街道\n\n市领导甲：西津街道已达到防汛Ⅱ级(橙色)应急响应。',
  ackUrl: 'http://fangxun.test/a/x.y',
  deadline: '2026-07-05T06:10:00.000Z',
  params: { name: '市领导甲', township: '西津街道', level: 'Ⅱ级(橙色)', deadline: '07月05日 14:10', link: 'http://fangxun.test/a/x.y' },
  speech: { township: '西津街道', level: '二级橙色', notice: '请立即赶赴指挥部，确认收到请按1' },
  outId: 'fxTESTOUTID',
};
