import type { Alert, Recipient } from '../domain/alerts/index.js';
import { arrivalDoubts, localTimeText, ROLE_WORDS } from '../domain/wording.js';
import type { ReferenceStore } from '../reference/store.js';
import type { NoticeService } from '../notices/service.js';
import { dutyRoomAt } from '../domain/roster.js';

/**
 * The duty room is told of an arrival that does not mean what it says (far from the post,
 * no location, several posts minutes apart), so someone phones the person; once per
 * arrival (the notice key names the alert, person and time).
 */
export async function sendDoubtfulArrival(
  d: { notices: NoticeService; reference: ReferenceStore; timeZone: string; multiPostWithinMs: number; now: () => number },
  alert: Alert,
  r: Recipient,
): Promise<void> {
  if (!r.arrival?.flagged || r.arrivedAt === null) return;
  const ref = await d.reference.snapshot();
  const name = (id: string) => ref.townships.get(id)?.name ?? id;
  const township = name(alert.townshipId);
  const doubts = arrivalDoubts(r.arrival, name, Math.round(d.multiPostWithinMs / 60_000));
  const text = `${township}：${ROLE_WORDS[r.role] ?? r.role}${r.name}于${localTimeText(r.arrivedAt, d.timeZone)}报到岗，${doubts.join('，')}。请电话核实是否已到${township}指挥部。`;
  await d.notices.send({
    kind: 'arrival-doubt',
    key: `arrival-doubt:${alert.id}:${r.personId}:${r.arrivedAt}`,
    title: `【到岗存疑】${township} ${r.name}`,
    text,
    personIds: dutyRoomAt(ref.shifts, d.now()),
  });
}
