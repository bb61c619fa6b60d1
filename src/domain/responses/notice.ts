import { levelText } from '../wording.js';
import type { Response, ResponseAct } from './model.js';

/**
 * The one message the city's people (duty room, shift leader, commander) get for an act of the
 * HQ, whatever the number of townships it covers: what was decided, by which notice, where.
 */
const ACT_WORDS: Record<ResponseAct['type'], string> = {
  start: '启动',
  raise: '提升为',
  lower: '调整为',
  widen: '扩大范围，执行',
  narrow: '缩小范围，执行',
  renotice: '调整',
  end: '终止',
  superseded: '由新的响应接替',
};

export function actNotice(r: Response, act: ResponseAct, townshipName: (id: string) => string, link: string): { title: string; text: string } {
  const where =
    r.scope === 'city'
      ? '全市'
      : act.townshipIds.slice(0, 6).map(townshipName).join('、') + (act.townshipIds.length > 6 ? `等${act.townshipIds.length}个乡镇` : '');
  const level = levelText(act.level);
  const what = act.type === 'end' ? `${where}终止防汛应急响应` : `${where}${ACT_WORDS[act.type]}防汛${level}应急响应`;
  const title = act.type === 'end' ? `【防指决定】${where}终止应急响应` : `【防指决定】${where}${level}应急响应`;
  const lines = [`市防指决定（${act.noticeNumber}）：${what}。${act.reason ? `${act.reason}。` : ''}`];
  if (act.type !== 'end') lines.push(`联系市领导和乡镇主要负责人已逐一通知，到岗到位情况：${link}`);
  return { title, text: lines.join('\n') };
}
