import type { Alert, AlertMessage, Recipient } from '../domain/alerts.js';
import { evidenceText, levelText, localTimeText, ROLE_WORDS, SPOKEN_LEVEL, SPOKEN_NOTICE } from '../domain/wording.js';
import type { OutboundMessage } from '../channels/types.js';

/**
 * The Chinese text of each message. Everything a leader or duty officer reads is here, in
 * the office's wording: level with its colour, township, evidence, notice number,
 * deadline and the personal answer link.
 */
export interface RenderInput {
  alert: Alert;
  message: AlertMessage;
  person: { id: string; name: string; mobile: string | null };
  townshipName: string;
  stationName: (id: string) => string;
  /** Full URL of the person's answer link, when the message carries one. */
  ackUrl: string | null;
  timeZone: string;
  /** Signature line, e.g. 宁国市防汛抗旱指挥部. */
  sender: string;
  /** The person an escalation is about. */
  about: Recipient | null;
}

export function renderMessage(input: RenderInput): OutboundMessage {
  const { alert, message, person, townshipName, timeZone, about } = input;
  const level = levelText(message.level);
  const notice = alert.declared ? `（${alert.declared.notice}）` : '';
  const evidence = evidenceText(alert.reasons, input.stationName);
  const deadline = message.deadline ? localTimeText(message.deadline, timeZone) : null;
  const recipient = alert.recipients.find((r) => r.personId === person.id);
  const role = recipient ? ROLE_WORDS[recipient.role] ?? recipient.role : '';
  const lines: string[] = [];
  let title: string;
  switch (message.kind) {
    case 'notify':
    case 'renotify':
      title = `【防汛${level}应急响应】${townshipName}`;
      lines.push(`${person.name}${role ? `（${role}）` : ''}：${townshipName}已达到防汛${level}应急响应${notice}。`);
      if (alert.declared && alert.declared.level === message.level) lines.push(`防指宣布：${alert.declared.reason}`);
      if (evidence) lines.push(`依据：${evidence}。`);
      if (message.withLink && deadline) lines.push(`请于${deadline}前确认收到，并立即赶赴${townshipName}指挥部到岗。`);
      if (message.kind === 'renotify') lines.unshift('【再次提醒】您尚未确认。');
      break;
    case 'reminder':
      title = `【到岗提醒】${townshipName}防汛${level}应急响应`;
      lines.push(`${person.name}：${townshipName}防汛${level}应急响应${notice}，您尚未报到岗，到岗时限${deadline ?? ''}已过，请尽快赶赴指挥部并报到岗。`);
      break;
    case 'escalate': {
      title = `【叫应超时】${townshipName}防汛${level}应急响应`;
      const whom = about ? `${ROLE_WORDS[about.role] ?? about.role}${about.name}` : '相关责任人';
      const what = about && about.ackedAt !== null ? '未按时到岗' : '未在时限内确认';
      lines.push(`${person.name}：${townshipName}防汛${level}应急响应${notice}，${whom}${what}（时限${deadline ?? ''}），请立即电话叫应。`);
      if (evidence) lines.push(`依据：${evidence}。`);
      break;
    }
    case 'lowered':
      title = `【响应调整】${townshipName}调整为防汛${level}应急响应`;
      lines.push(`${person.name}：${townshipName}雨情水情回落，防汛应急响应调整为${level}${notice}。请继续做好防范。`);
      break;
    case 'resolved':
      title = `【响应解除】${townshipName}防汛应急响应解除`;
      lines.push(`${person.name}：${townshipName}防汛应急响应已解除。${alert.resolveReason ? `原因：${alert.resolveReason}。` : ''}`);
      break;
  }
  const link = message.withLink ? input.ackUrl : null;
  if (link) lines.push(`确认链接：${link}`);
  lines.push(`—— ${input.sender}`);
  const text = lines.join('\n');
  const markdown = [`### ${title}`, ...lines.slice(0, -1).map((l) => (l.startsWith('确认链接：') && link ? `[点击确认收到](${link})` : l)), `> ${lines.at(-1)}`].join('\n\n');
  return {
    messageId: message.id,
    alertId: alert.id,
    townshipId: alert.townshipId,
    level: message.level,
    personId: person.id,
    personName: person.name,
    mobile: person.mobile,
    role: recipient?.role ?? 'informed',
    title,
    text,
    markdown,
    ackUrl: link,
    deadline: message.deadline ? new Date(message.deadline).toISOString() : null,
    params: { name: person.name, township: townshipName, level, deadline: deadline ?? '', link: link ?? '' },
    speech: { township: townshipName, level: SPOKEN_LEVEL[message.level ?? ''] ?? '', notice: SPOKEN_NOTICE[message.kind] ?? '' },
  };
}
