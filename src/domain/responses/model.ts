import type { Level } from '../levels.js';

/**
 * An HQ response (应急响应): the 防指's decision, by numbered notice (宁防指〔2023〕4号), for the
 * whole city or some townships. Started (启动), adjusted (调整: raise, lower, widen, narrow) and
 * ended (终止) by acts. At most one active response covers a township: a newer act for it takes
 * the township over (the older response narrows; when it covers nothing any more it ends).
 * Each covered township carries its part as a call-out (see ./callout.ts): who was told, who
 * answered, who is at the post.
 */
export type ResponseStatus = 'active' | 'ended';
export type ResponseActType = 'start' | 'raise' | 'lower' | 'widen' | 'narrow' | 'renotice' | 'end' | 'superseded';

export interface ResponseAct {
  type: ResponseActType;
  level: Level;
  /** Townships the act concerns (all covered ones for start/raise/lower/renotice/end). */
  townshipIds: string[];
  noticeNumber: string;
  reason: string;
  by: string;
  at: number;
  /** For `superseded`: the response that took the townships over. */
  byResponseId?: string;
}

export interface Response {
  id: string;
  level: Level;
  /** `city`: every township (as of each act); otherwise the listed ones. */
  scope: 'city' | 'townships';
  townshipIds: string[];
  /** The notice number of the act in force (宁防指〔2023〕4号); JSON `notice`. */
  noticeNumber: string;
  reason: string;
  status: ResponseStatus;
  /** When the response takes effect (the notice's own time, e.g. 7月5日9时). */
  startsAt: number;
  createdAt: number;
  createdBy: string;
  /** `hq`: declared by the HQ; `auto`: launched by a warning under `responses.autoLaunch`. */
  source: 'hq' | 'auto';
  endedAt: number | null;
  acts: ResponseAct[];
}

/** What the HQ asks for in one act. */
export interface StartInput {
  level: Level;
  scope: 'city' | { townships: string[] };
  noticeNumber: string;
  reason: string;
  startsAt?: number;
}

export interface AdjustInput {
  level?: Level;
  /** The new list of townships (widen and narrow), or `city`. */
  townships?: string[] | 'city';
  noticeNumber: string;
  reason: string;
}

export interface EndInput {
  noticeNumber: string;
  reason: string;
}

/** What a township's call-out must become after an act. */
export interface TownshipTarget {
  townshipId: string;
  responseId: string;
  level: Level;
  noticeNumber: string;
  reason: string;
  by: string;
  at: number;
}
