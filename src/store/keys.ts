/**
 * The one place Redis keys are built, laid out for a Redis Cluster:
 * - everything of one station shares the hash tag `{s:ID}` and everything of one township
 *   `{t:ID}` (its state, level history, alerts, ledger), so each per-station and
 *   per-township atomic step stays in one slot, and the bulk of the data spreads over the nodes;
 * - the shared keys (reference data, evaluation sets, audit, notices, credentials) share the
 *   hash tag `{<prefix>}`, so the steps that change several of them at once (a record write
 *   with its audit entry, a claim) stay in one slot too;
 * - BullMQ's keys share `{<prefix>:bull}` (BullMQ's scripts need one slot per queue).
 * No atomic step mixes these groups; where a station step must touch a shared set, it is a
 * second step in an order that is safe when the first one is retried (see `store/readings.ts`).
 */
export class Keys {
  /** Prefix of the shared keys: `{fx}` — one hash tag for all of them. */
  private readonly g: string;

  constructor(readonly prefix: string) {
    if (/[{}]/.test(prefix)) throw new Error(`key prefix "${prefix}" must not contain { or }`);
    this.g = `{${prefix}}`;
  }

  // Reference data (whole-collection hashes; small at county scale).
  ref(collection: 'townships' | 'stations' | 'people' | 'assignments' | 'shifts'): string {
    return `${this.g}:ref:${collection}`;
  }
  /** Per-record versions of a collection (hash id → n), for If-Match / `version`. */
  refRecordVersions(collection: 'townships' | 'stations' | 'people' | 'assignments' | 'shifts'): string {
    return `${this.g}:ref:${collection}:ver`;
  }
  refVersion(): string {
    return `${this.g}:ref:version`;
  }

  // Per station: meta + evaluated state (hash), raw readings (hash ts → value), daily archive.
  station(id: string): string {
    return `${this.prefix}:{s:${id}}`;
  }
  stationReadings(id: string): string {
    return `${this.prefix}:{s:${id}}:r`;
  }
  /** Daily rain totals of the archived readings (hash UTC day number → mm), for the long windows. */
  stationDays(id: string): string {
    return `${this.prefix}:{s:${id}}:dt`;
  }
  /** Archive key base; the Lua scripts append `:<UTC day number>`. */
  stationArchiveBase(id: string): string {
    return `${this.prefix}:{s:${id}}:a`;
  }

  // Per township: state (hash) and its own level-change history (stream).
  township(id: string): string {
    return `${this.prefix}:{t:${id}}`;
  }
  townshipEvents(id: string): string {
    return `${this.prefix}:{t:${id}}:events`;
  }
  /** State versions of the township's member stations (hash station → sv), for recomputation. */
  townshipMemberVersions(id: string): string {
    return `${this.prefix}:{t:${id}}:sv`;
  }
  /** Outside warnings (CAP) covering the township: hash `sender|identifier` → JSON (src/domain/outside.ts). */
  outsideWarnings(id: string): string {
    return `${this.prefix}:{t:${id}}:outside`;
  }
  /** Entries of the outside-warning feed already taken (sorted set, entry id → when). */
  outsideFeedSeen(): string {
    return `${this.prefix}:outside:feed`;
  }

  // Alerts live in their township's slot: the open-alert pointer and the alert commit together.
  /** Alert ids are `<townshipId>~<n>`; `~` never occurs in a township id. */
  alert(alertId: string): string {
    const tid = alertId.slice(0, alertId.lastIndexOf('~'));
    return `${this.prefix}:{t:${tid}}:alert:${alertId}`;
  }
  townshipAlerts(townshipId: string): string {
    return `${this.prefix}:{t:${townshipId}}:alerts`;
  }
  /** The township's response call-outs (zset id → openedAt); ids are `<townshipId>~r<n>`. */
  townshipCallouts(townshipId: string): string {
    return `${this.prefix}:{t:${townshipId}}:callouts`;
  }

  // HQ responses (应急响应): deployment-wide, one slot, so an act that supersedes another commits both at once.
  response(id: string): string {
    return `${this.g}:response:${id}`;
  }
  /** Every response (zset id → createdAt). */
  responses(): string {
    return `${this.g}:responses`;
  }
  /** Ids of the active responses (set). */
  activeResponses(): string {
    return `${this.g}:responses:active`;
  }
  responseSeq(): string {
    return `${this.g}:responses:seq`;
  }
  /** Recommendations already sent this storm (hash scope → level|at), and the city's storm state. */
  recommendations(): string {
    return `${this.g}:recommendations`;
  }
  /** Accountability ledger of one township (stream). */
  townshipLedger(townshipId: string): string {
    return `${this.prefix}:{t:${townshipId}}:ledger`;
  }
  // Notices (daily report, reminders, gauge offline): doc + per-person deliveries, an index, dedup keys.
  notice(id: string): string {
    return `${this.g}:notice:${id}`;
  }
  noticeIndex(): string {
    return `${this.g}:notices`;
  }
  noticeDedup(key: string): string {
    return `${this.g}:notice-key:${key}`;
  }
  /** Delivery attempts by `channel|status` (hash of counters, for /metrics). */
  messageCounts(): string {
    return `${this.g}:metrics:messages`;
  }
  /** Which delivery a provider's receipt is about, by our OutId or the provider's id (string JSON). */
  deliveryRef(id: string): string {
    return `${this.g}:dlv:${id}`;
  }
  /** A receipt already applied (providers retry), by a hash of its content. */
  receiptSeen(hash: string): string {
    return `${this.g}:receipt:${hash}`;
  }
  /** Per-person delivery preferences (hash personId → JSON: smsOptOut), kept apart from the imported people. */
  personPrefs(): string {
    return `${this.g}:prefs`;
  }
  /** SMS held for one person to go as one (hash: openUntil, claim, i:<alertId>|<messageId>). */
  smsBundle(personId: string): string {
    return `${this.g}:bundle:${personId}`;
  }
  /** People with held SMS, by when they are due (zset personId → ms): the sweep's repair list. */
  smsBundlesDue(): string {
    return `${this.g}:bundles`;
  }
  /** Calls placed to one number (zset member → ms), for the providers' per-number limits. */
  callLog(number: string): string {
    return `${this.g}:calls:${number}`;
  }
  /** Silenced stations (hash id → { until, reason, by }). */
  silences(): string {
    return `${this.g}:silences`;
  }
  /** Stations currently reported offline (hash id → since, ms). */
  offline(): string {
    return `${this.g}:offline`;
  }
  /** Slot locks of scheduled duties (one firing per slot across instances). */
  cronSlot(name: string, slot: string): string {
    return `${this.g}:cron:${name}:${slot}`;
  }

  // SL 651 gateway: refused frames (stream), resent-report dedupe, cumulative rain counters.
  sl651Refused(): string {
    return `${this.g}:sl651:refused`;
  }
  sl651Seen(address: string, serial: number, sentAt: string): string {
    return `${this.g}:sl651:seen:${address}:${serial}:${sentAt}`;
  }
  sl651Counters(stationId: string): string {
    return `${this.prefix}:{s:${stationId}}:sl651`;
  }

  /** Audit trail of admin changes (stream). */
  audit(): string {
    return `${this.g}:audit`;
  }
  /** Messages of drill mode (stream). */
  outbox(): string {
    return `${this.g}:outbox`;
  }
  /** Set when the demo data seeded this database (the service then runs in drill mode). */
  demoMarker(): string {
    return `${this.g}:demo`;
  }
  /** CAP: the per-sender counter of GB/T 35965.1 identifiers (N), and a subject's numbers. */
  capCounter(sender: string): string {
    return `${this.g}:cap:seq:${sender}`;
  }
  capSeries(subject: string): string {
    return `${this.g}:cap:series:${subject}`;
  }
  /** A short personal answer link: code → its claims, expiring with them. */
  answerLink(code: string): string {
    return `${this.g}:link:${code}`;
  }
  /** Secret for signing personal ack links (generated once when not configured). */
  linkSecret(): string {
    return `${this.g}:secret:links`;
  }

  /** Stations with readings not yet evaluated (zset: station → first marked, ms). */
  dirty(): string {
    return `${this.g}:eval:dirty`;
  }
  /** Dirty stations whose new reading is at or over a threshold: evaluated first (zset). */
  urgent(): string {
    return `${this.g}:eval:urgent`;
  }
  /** Claims by workers (zset: `station|claim` → lease expiry, ms). */
  inflight(): string {
    return `${this.g}:eval:inflight`;
  }
  /** Stations whose windows hold rain or who have a level: re-evaluated as time passes. */
  active(): string {
    return `${this.g}:eval:active`;
  }

  /** Readings refused for being outside the station's plausible bounds (stream). */
  /** A board sign-in session, by the hash of its id → the hash of the token it was opened with. */
  boardSession(sidHash: string): string {
    return `${this.g}:session:${sidHash}`;
  }
  /** A sign-in code sent by SMS, by the hash of the phone number: hash { salt, hash, personId, role, attempts }, expiring. */
  signInCode(phoneHash: string): string {
    return `${this.g}:signin:code:${phoneHash}`;
  }
  /** Codes asked for within the hour, per phone number (`phone`) or client address (`addr`), by hash. */
  signInCount(kind: 'phone' | 'addr', idHash: string): string {
    return `${this.g}:signin:n:${kind}:${idHash}`;
  }
  /** Written by /readyz: a Redis that refuses writes (out of memory) is not ready. */
  readyProbe(): string {
    return `${this.g}:readyz`;
  }
  quarantine(): string {
    return `${this.g}:quarantine`;
  }

  // Credentials: sha256(secret) → principal; gauge key records.
  credentials(): string {
    return `${this.g}:auth:credentials`;
  }
  tokens(): string {
    return `${this.g}:auth:tokens`;
  }
  gaugeKeys(): string {
    return `${this.g}:auth:gauge-keys`;
  }

  /** BullMQ prefix for this deployment's queues. */
  bullPrefix(): string {
    return `{${this.prefix}:bull}`;
  }
}
