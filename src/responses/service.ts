import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import type { ReferenceStore } from '../reference/store.js';
import type { AlertService } from '../alerts/service.js';
import type { ResponseStore, StoredResponse } from '../store/responseState.js';
import { adjustResponse, endResponse, expectedTargets, startResponse, type ActOutcome } from '../domain/responses/acts.js';
import { applyResponseTarget, endResponseCallout, openResponseCallout } from '../domain/responses/callout.js';
import type { AdjustInput, EndInput, Response, StartInput, TownshipTarget } from '../domain/responses/model.js';
import type { Alert } from '../domain/alerts/index.js';
import type { NoticeService } from '../notices/service.js';
import { cityRolesAt } from '../domain/warnings.js';
import { actNotice } from '../domain/responses/notice.js';
import { AppError } from '../domain/errors.js';

/**
 * HQ responses (应急响应): the acts of the 防指 and each covered township's call-out. An act
 * commits the responses it changes in one step (Redis is the truth), then brings every
 * township's call-out in line; a crash in between is repaired by `sweep`, which brings every
 * call-out to what the stored responses say (an idempotent step).
 */
export class ResponseError extends AppError<'not_found' | 'conflict'> {}

export interface ResponseServiceDeps {
  store: ResponseStore;
  alerts: AlertService;
  /** The one message per act to the city's people (duty room, shift leader, commander). */
  notices?: NoticeService;
  reference: ReferenceStore;
  config: AppConfig;
  now: () => number;
  log: Logger;
}

export class ResponseService {
  constructor(private readonly d: ResponseServiceDeps) {}

  get store(): ResponseStore {
    return this.d.store;
  }

  async start(input: StartInput, by: string, source: Response['source'] = 'hq'): Promise<Response> {
    const ref = await this.d.reference.snapshot({ fresh: true });
    const id = await this.d.store.newId(this.d.now());
    const outcome = await this.act((actives) => startResponse(id, input, [...ref.townships.keys()].sort(), actives, by, this.d.now(), source));
    this.d.log.info({ responseId: id, level: input.level, townships: outcome.targets.length, notice: input.noticeNumber, source }, 'response started');
    return outcome.changed[0]!;
  }

  async adjust(id: string, input: AdjustInput, by: string): Promise<Response> {
    const ref = await this.d.reference.snapshot({ fresh: true });
    const outcome = await this.act(
      (actives, byId) => adjustResponse(this.must(byId, id), input, [...ref.townships.keys()].sort(), actives, by, this.d.now()),
      id,
    );
    this.d.log.info({ responseId: id, level: outcome.changed[0]!.level, notice: input.noticeNumber }, 'response adjusted');
    return outcome.changed[0]!;
  }

  async end(id: string, input: EndInput, by: string): Promise<Response> {
    const outcome = await this.act((_, byId) => endResponse(this.must(byId, id), input, by, this.d.now()), id);
    this.d.log.info({ responseId: id, notice: input.noticeNumber }, 'response ended');
    return outcome.changed[0]!;
  }

  async get(id: string): Promise<Response | null> {
    return (await this.d.store.get(id))?.response ?? null;
  }

  private must(byId: ReadonlyMap<string, StoredResponse>, id: string): Response {
    const r = byId.get(id);
    if (!r) throw new ResponseError('not_found', `No response with id "${id.slice(0, 64)}"; GET /v1/responses lists them`);
    return r.response;
  }

  /** Reads the active responses (and `extra`), applies the act, commits if nothing changed meanwhile, then carries it out. */
  private async act(fn: (actives: Response[], byId: Map<string, StoredResponse>) => ActOutcome, extra?: string): Promise<ActOutcome> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const actives = await this.d.store.active();
      const byId = new Map(actives.map((s) => [s.response.id, s]));
      if (extra && !byId.has(extra)) {
        const s = await this.d.store.get(extra);
        if (s) byId.set(extra, s);
      }
      const outcome = fn(
        actives.map((s) => s.response),
        byId,
      );
      const versions = new Map([...byId.values()].map((s) => [s.response.id, s.version]));
      if ((await this.d.store.commit(outcome.changed, versions)) === 'ok') {
        await this.carryOut(outcome);
        return outcome;
      }
    }
    throw new ResponseError('conflict', 'The responses are changing too fast; try again');
  }

  private async carryOut(outcome: ActOutcome): Promise<void> {
    const work = [
      () => this.tellCity(outcome.changed[0]!),
      ...outcome.ended.map((e) => () => this.endCallout(e.townshipId, e)),
      ...outcome.targets.map((t) => () => this.bring(t)),
    ];
    const results = await Promise.allSettled(work.map((w) => w()));
    for (const r of results) {
      // The responses are committed; the sweep brings what failed here in line.
      if (r.status === 'rejected') this.d.log.warn({ err: r.reason }, 'response call-out not updated; the sweep will retry');
    }
  }

  /** One message per act to the city's people the response policy names at its level. */
  private async tellCity(r: Response): Promise<void> {
    const act = r.acts.at(-1);
    if (!this.d.notices || !act) return;
    const ref = await this.d.reference.snapshot({ fresh: true });
    const policy = this.d.config.policy;
    const ctx = this.d.alerts.context(ref, r.townshipIds[0] ?? act.townshipIds[0] ?? '');
    const personIds = [...new Set(cityRolesAt(act.level, policy).flatMap((role) => ctx.whoIs(role).map((p) => p.id)))];
    if (personIds.length === 0) return;
    const { title, text } = actNotice(
      r,
      act,
      (id) => ref.townships.get(id)?.name ?? id,
      `${policy.publicUrl.replace(/\/$/, '')}/board/responses/${encodeURIComponent(r.id)}`,
    );
    await this.d.notices.send({ kind: 'response', key: `response:${r.id}:${r.acts.length}`, title, text: `${text}\n—— ${policy.sender}`, personIds });
  }

  /** Brings a township's call-out to the target (opens one when there is none). */
  async bring(target: TownshipTarget): Promise<Alert> {
    const { alerts } = this.d;
    const reasons = (await alerts.townshipState(target.townshipId))?.reasons ?? [];
    const openId = await alerts.store.openAlertId(target.townshipId, 'response');
    if (openId) return alerts.transition(openId, (a, ctx) => applyResponseTarget(a, target, reasons, ctx));
    return alerts.openCallout(
      target.townshipId,
      'response',
      (id, ctx) => openResponseCallout(id, target, reasons, ctx),
      (a, ctx) => applyResponseTarget(a, target, reasons, ctx),
    );
  }

  private async endCallout(townshipId: string, e: { responseId: string; noticeNumber: string; reason: string; by: string }): Promise<void> {
    const openId = await this.d.alerts.store.openAlertId(townshipId, 'response');
    if (!openId) return;
    await this.d.alerts.transition(openId, (a, ctx) => endResponseCallout(a, e, ctx));
  }

  /** Brings every township's call-out in line with the stored responses (lost steps after a crash). */
  async sweep(): Promise<{ townships: number }> {
    const ref = await this.d.reference.snapshot({ fresh: true });
    const actives = (await this.d.store.active()).map((s) => s.response);
    const targets = new Map(expectedTargets(actives).map((t) => [t.townshipId, t]));
    for (const t of targets.values())
      await this.bring(t).catch((err: unknown) => this.d.log.error({ err, townshipId: t.townshipId }, 'response call-out repair failed'));
    const open = await this.d.alerts.store.openAlertIds([...ref.townships.keys()], 'response');
    for (const [townshipId, alertId] of open) {
      if (targets.has(townshipId)) continue;
      // Open, but no active response covers the township any more: it ended.
      const stored = await this.d.alerts.store.get(alertId);
      const rid = stored?.alert.responseId;
      if (!rid) continue;
      const r = await this.get(rid);
      const last = r?.acts.at(-1);
      await this.endCallout(townshipId, {
        responseId: rid,
        noticeNumber: last?.noticeNumber ?? r?.noticeNumber ?? '',
        reason: last?.reason ?? '',
        by: last?.by ?? 'system',
      });
    }
    return { townships: targets.size };
  }

  /** The call-outs of a response, per township (the open one while it is active, else the one it ended). */
  async callouts(r: Response): Promise<Map<string, Alert>> {
    const townships = [...new Set([...r.townshipIds, ...r.acts.flatMap((a) => a.townshipIds)])];
    const ids = await this.d.alerts.store.list(townships, Math.max(20, townships.length * 5), 'response');
    const out = new Map<string, Alert>();
    for (const a of await this.d.alerts.store.getMany(ids)) {
      if (a.responseId === r.id && !out.has(a.townshipId)) out.set(a.townshipId, a);
    }
    return out;
  }
}
