import type { Alert, AlertMessage, Recipient } from '../domain/alerts/index.js';
import { evidenceText, levelText, localTimeText, ROLE_WORDS, spokenVariables } from '../domain/wording.js';
import type { OutboundMessage } from '../channels/types.js';
import { smsText } from './smsText.js';

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
  /** The channel it goes on: an SMS gets the short form (two parts, 回复1确认). */
  channel?: string;
}

export function renderMessage(input: RenderInput): OutboundMessage {
  const { alert, message, person, townshipName, timeZone } = input;
  const recipient = alert.recipients.find((r) => r.personId === person.id);
  const { title, lines } = alert.kind === 'response' ? responseLines(input, recipient) : warningLines(input, recipient);
  const link = message.withLink ? input.ackUrl : null;
  if (link) lines.push(`确认链接：${link}`);
  lines.push(`—— ${input.sender}`);
  const text = (input.channel === 'sms' ? smsText(input, recipient) : null) ?? lines.join('\n');
  const markdown = [
    `### ${title}`,
    ...lines.slice(0, -1).map((l) => (l.startsWith('确认链接：') && link ? `[点击确认收到](${link})` : l)),
    `> ${lines.at(-1)}`,
  ].join('\n\n');
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
    // `code` is the answer link's own part: an SMS template writes the fixed `<publicUrl>/a/` itself.
    params: {
      name: person.name,
      township: townshipName,
      level: levelText(message.level),
      deadline: message.deadline ? localTimeText(message.deadline, timeZone) : '',
      link: link ?? '',
      code: link ? link.slice(link.lastIndexOf('/') + 1) : '',
    },
    speech: {
      township: townshipName,
      ...spokenVariables(alert.kind === 'response' ? 'response' : 'warning', message.kind, message.level, alert.declared?.notice ?? null),
    },
  };
}

type Lines = { title: string; lines: string[] };

/** `于<time>前` while the arrival deadline is ahead of the message, `尽快` once it has passed. */
function arriveBy(deadline: number, at: number, timeZone: string): string {
  return deadline > at ? `于${localTimeText(deadline, timeZone)}前` : '尽快';
}

/** What every message of a call-out says the same way: level, evidence, deadline, the person's role. */
function commonWords({ alert, message, timeZone, stationName }: RenderInput, recipient: Recipient | undefined) {
  return {
    level: levelText(message.level),
    evidence: evidenceText(alert.reasons, stationName),
    deadline: message.deadline ? localTimeText(message.deadline, timeZone) : null,
    role: recipient ? (ROLE_WORDS[recipient.role] ?? recipient.role) : '',
  };
}

/** To the next rung: who has not answered (or arrived) by when, and that they must be phoned. */
function escalationLine({ person, townshipName, about }: RenderInput, what: string, deadline: string | null): string {
  const whom = about ? `${ROLE_WORDS[about.role] ?? about.role}${about.name}` : '相关责任人';
  const missed = about && about.ackedAt !== null ? '未按时到岗' : '未在时限内确认';
  return `${person.name}：${townshipName}${what}，${whom}${missed}（时限${deadline ?? ''}），请立即电话叫应。`;
}

/** 预警: advice with its evidence; those who must answer are asked to acknowledge (and, where the level says so, to arrive). */
function warningLines(input: RenderInput, recipient: Recipient | undefined): Lines {
  const { alert, message, person, townshipName, timeZone } = input;
  const { level, evidence, deadline, role } = commonWords(input, recipient);
  const lines: string[] = [];
  let title: string;
  switch (message.kind) {
    case 'notify':
    case 'renotify':
    case 'adjusted':
      title = `【防汛${level}预警】${townshipName}`;
      lines.push(`${person.name}${role ? `（${role}）` : ''}：${townshipName}雨情水情达到防汛${level}预警。`);
      if (evidence) lines.push(`依据：${evidence}。`);
      if (message.withLink && deadline) {
        const arrive =
          recipient?.arriveDeadline && recipient.arrivedAt === null
            ? `，并${arriveBy(recipient.arriveDeadline, message.createdAt, timeZone)}赶赴${townshipName}指挥部到岗`
            : '';
        lines.push(`请于${deadline}前确认收到${arrive}，组织做好防范。`);
      } else {
        lines.push('请关注雨情水情变化，做好防范准备。');
      }
      if (message.kind === 'renotify') lines.unshift('【再次提醒】您尚未确认。');
      break;
    case 'reminder':
      title = `【到岗提醒】${townshipName}防汛${level}预警`;
      lines.push(`${person.name}：${townshipName}防汛${level}预警，您尚未报到岗，请于${deadline ?? ''}前赶赴指挥部并报到岗。`);
      break;
    case 'escalate':
      title = `【叫应超时】${townshipName}防汛${level}预警`;
      lines.push(escalationLine(input, `防汛${level}预警`, deadline));
      if (evidence) lines.push(`依据：${evidence}。`);
      break;
    case 'lowered':
      title = `【预警调整】${townshipName}调整为防汛${level}预警`;
      lines.push(`${person.name}：${townshipName}雨情水情回落，预警调整为${level}。请继续做好防范。`);
      break;
    case 'resolved':
      title = `【预警解除】${townshipName}防汛预警解除`;
      lines.push(`${person.name}：${townshipName}防汛预警已解除。${alert.resolveReason ? `原因：${alert.resolveReason}。` : ''}`);
      break;
  }
  return { title, lines };
}

/** 应急响应: the HQ's decision by notice; those who must answer acknowledge and go to the command post (到岗到位). */
function responseLines(input: RenderInput, recipient: Recipient | undefined): Lines {
  const { alert, message, person, townshipName, timeZone } = input;
  const { level, evidence, deadline, role } = commonWords(input, recipient);
  const d = alert.declared;
  const notice = d ? `（${d.notice}）` : '';
  const lines: string[] = [];
  let title: string;
  switch (message.kind) {
    case 'notify':
    case 'renotify': {
      const raised = alert.epoch > 1;
      title = `【防汛${level}应急响应】${townshipName}`;
      lines.push(
        `${person.name}${role ? `（${role}）` : ''}：市防指决定${notice}，${townshipName}${raised ? '防汛应急响应提升至' : '启动防汛'}${level}应急响应。${d?.reason ? `${d.reason}。` : ''}`,
      );
      if (evidence) lines.push(`当前预警：${evidence}。`);
      if (message.withLink && deadline) {
        const arrive = recipient?.arrivedAt
          ? '（您已到岗，请确认新的响应级别）'
          : recipient?.arriveDeadline
            ? `，并${arriveBy(recipient.arriveDeadline, message.createdAt, timeZone)}赶赴${townshipName}防汛指挥部到岗到位`
            : '';
        lines.push(`请于${deadline}前确认收到${arrive}。`);
      }
      if (message.kind === 'renotify') lines.unshift('【再次提醒】您尚未确认。');
      break;
    }
    case 'reminder':
      title = `【到岗提醒】${townshipName}防汛${level}应急响应`;
      lines.push(`${person.name}：${townshipName}防汛${level}应急响应${notice}，您尚未报到岗，请于${deadline ?? ''}前赶赴指挥部并报到岗。`);
      break;
    case 'escalate':
      title = `【叫应超时】${townshipName}防汛${level}应急响应`;
      lines.push(escalationLine(input, `防汛${level}应急响应${notice}`, deadline));
      break;
    case 'lowered':
    case 'adjusted':
      title = `【响应调整】${townshipName}防汛${level}应急响应`;
      lines.push(
        `${person.name}：市防指决定${notice}，${townshipName}防汛应急响应调整为${level}。${d?.reason ? `${d.reason}。` : ''}请继续坚守岗位，做好防范。`,
      );
      break;
    case 'resolved':
      title = `【响应终止】${townshipName}防汛应急响应终止`;
      lines.push(`${person.name}：市防指决定${notice}，${townshipName}终止防汛应急响应。${alert.resolveReason ? `${alert.resolveReason}。` : ''}`);
      break;
  }
  return { title, lines };
}
