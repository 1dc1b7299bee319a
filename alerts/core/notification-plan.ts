import { createHash } from 'node:crypto';
import { DAY_MS, DEFAULT_TIME_ZONE, HOUR_MS, localDate, localParts, localWallTimeMs } from '../../src/kernel/index.js';
import { SYSTEM_ACTOR, type Alert, type AlertEvent } from './alert-events.js';
import { renderEmail, type MailLang, type RenderInput } from './render-email.js';

/**
 * Who gets which alert mail, and when (docs/alerts.md, "Email"). Pure: from the derived
 * alerts, the keys already in the outbox, the officers per org unit, the org tree and an
 * instant, it lists the messages to queue, each rendered and with its Message-ID.
 *
 * - critical alerts: one message per officer at once, to the officers of the subject's org
 *   unit (a meter's: its institution's), or the nearest org unit above it that has one;
 * - warning and info: one digest per officer per local day, from the digest hour of the
 *   officer's zone on, with every such alert still open and not yet mailed; a digest missed
 *   (the service was down at the hour) goes out at the next run;
 * - escalation: an alert still not acknowledged `escalateAfterHours` after it was mailed
 *   goes to the officers of the nearest org unit above the one that got it.
 *
 * A message's key (kind, alert or day, recipient) says "this was planned"; the outbox keeps
 * each key once, so planning again changes nothing. Its Message-ID is derived from its
 * content key (kind, alert ids, recipient, day): a resend is recognisably the same message.
 */

export const MESSAGE_KINDS = ['immediate', 'digest', 'escalation'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** An energy officer (alerts.email.recipients). */
export interface NotificationRecipient {
  readonly org: string;
  readonly email: string;
  readonly name?: string | undefined;
  readonly lang: MailLang;
  readonly timezone?: string | undefined;
}

/** A message as the outbox keeps it: rendered once, sent as stored (also after a crash). */
export interface OutboxMessage {
  /** The outbox identity: `immediate|<alert id>|<email>`, `digest|<email>|<day>`, `escalation|<alert id>|<email>`. */
  readonly key: string;
  readonly kind: MessageKind;
  /** `<…@domain>`, from the content key: the same message always has the same id. */
  readonly messageId: string;
  readonly alertIds: readonly string[];
  readonly recipient: NotificationRecipient;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The digest's local day (YYYY-MM-DD in the recipient's zone); digests only. */
  readonly day?: string | undefined;
  /** When it was planned (UTC ms); also the mail's Date header, so a resend is byte-identical. */
  readonly queuedAtMs: number;
}

/** What the plan needs of the fleet (config's Fleet fits it). */
export interface FleetForNotifications {
  readonly orgs: readonly { readonly id: string; readonly parent?: string | undefined }[];
  readonly institutions: readonly { readonly id: string; readonly org: string; readonly timezone: string }[];
  readonly buildings: readonly { readonly id: string; readonly institution: string }[];
  readonly meters: readonly { readonly id: string; readonly building: string }[];
}

/** The org tree as the plan walks it. */
export interface NotificationTree {
  /** Org unit → its parent (undefined at a root). */
  readonly orgParent: ReadonlyMap<string, string | undefined>;
  /** Institution → its org unit. */
  readonly institutionOrg: ReadonlyMap<string, string>;
  /** Meter → its institution. */
  readonly meterInstitution: ReadonlyMap<string, string>;
  /** Org unit → the zone of the first institution at or below it (fleet order). */
  readonly orgZone: ReadonlyMap<string, string>;
}

export function notificationTreeOf(fleet: FleetForNotifications): NotificationTree {
  const orgParent = new Map(fleet.orgs.map((o) => [o.id, o.parent]));
  const institutionOrg = new Map(fleet.institutions.map((i) => [i.id, i.org]));
  const buildingInstitution = new Map(fleet.buildings.map((b) => [b.id, b.institution]));
  const meterInstitution = new Map<string, string>();
  for (const m of fleet.meters) {
    const institution = buildingInstitution.get(m.building);
    if (institution !== undefined) meterInstitution.set(m.id, institution);
  }
  const orgZone = new Map<string, string>();
  for (const i of fleet.institutions) {
    for (const org of ancestors(orgParent, i.org)) if (!orgZone.has(org)) orgZone.set(org, i.timezone);
  }
  return { orgParent, institutionOrg, meterInstitution, orgZone };
}

export interface NotificationPlanSettings {
  readonly escalateAfterHours: number;
  /** HH:MM local. */
  readonly digestHour: string;
  /** The From header; its domain ends the Message-IDs. */
  readonly from: string;
}

export interface NotificationPlanInput {
  readonly alerts: readonly Alert[];
  /** Keys already in the outbox (queued, whether sent or not). */
  readonly queuedKeys: ReadonlySet<string>;
  readonly recipients: readonly NotificationRecipient[];
  readonly tree: NotificationTree;
  readonly nowMs: number;
  readonly settings: NotificationPlanSettings;
}

export interface NotificationPlan {
  /** To queue, ascending by key. */
  readonly messages: OutboxMessage[];
  /** Alerts that need a mail but have no officer at or above their org unit (worth a log line). */
  readonly unrouted: string[];
}

export function planNotifications(input: NotificationPlanInput): NotificationPlan {
  const { tree, nowMs, settings } = input;
  const byOrg = new Map<string, NotificationRecipient[]>();
  for (const r of input.recipients) {
    const list = byOrg.get(r.org);
    if (list) list.push(r);
    else byOrg.set(r.org, [r]);
  }
  const domain = messageIdDomain(settings.from);
  const messages: OutboxMessage[] = [];
  const unrouted: string[] = [];
  const digests = new Map<string, { recipient: NotificationRecipient; alerts: Alert[] }>();

  const message = (
    key: string,
    recipient: NotificationRecipient,
    alertIds: readonly string[],
    render: RenderInput,
    day?: string,
  ): void => {
    if (input.queuedKeys.has(key)) return;
    const rendered = renderEmail(render, {
      lang: recipient.lang,
      timeZone: recipientZone(recipient, tree),
      recipientName: recipient.name,
    });
    const contentKey = [render.kind, [...alertIds].sort().join(','), recipient.email.toLowerCase(), day ?? ''];
    messages.push({
      key,
      kind: render.kind,
      messageId: messageIdOf(contentKey, render.kind, domain),
      alertIds,
      recipient,
      from: settings.from,
      ...rendered,
      ...(day === undefined ? {} : { day }),
      queuedAtMs: nowMs,
    });
  };

  for (const alert of input.alerts) {
    if (alert.state === 'resolved') continue;
    const org = subjectOrg(alert, tree);
    const officers = org === undefined ? undefined : nearestOfficers(tree, byOrg, org);
    if (alert.state === 'open') {
      if (alert.openedAtMs > nowMs) continue;
      if (!officers) {
        unrouted.push(alert.id);
        continue;
      }
      for (const recipient of officers.recipients) {
        if (alert.severity === 'critical') {
          message(`immediate|${alert.id}|${recipient.email}`, recipient, [alert.id], { kind: 'immediate', alert });
        } else {
          const day = digestDay(recipientZone(recipient, tree), settings.digestHour, nowMs);
          const key = `digest|${recipient.email}|${day}`;
          const entry = digests.get(key);
          if (entry) entry.alerts.push(alert);
          else digests.set(key, { recipient, alerts: [alert] });
        }
      }
      continue;
    }
    // notified (or acknowledged, which needs no escalation)
    const { notified } = alert;
    if (alert.state !== 'notified' || !notified || alert.escalated) continue;
    if (nowMs - notified.atMs < settings.escalateAfterHours * HOUR_MS) continue;
    const parent = officers === undefined ? undefined : tree.orgParent.get(officers.org);
    const above = parent === undefined ? undefined : nearestOfficers(tree, byOrg, parent);
    if (!above) {
      unrouted.push(alert.id);
      continue;
    }
    for (const recipient of above.recipients) {
      message(`escalation|${alert.id}|${recipient.email}`, recipient, [alert.id], {
        kind: 'escalation',
        alert,
        escalateAfterHours: settings.escalateAfterHours,
        notifiedRecipients: notified.recipients,
      });
    }
  }

  for (const [key, { recipient, alerts }] of digests) {
    const day = key.slice(key.lastIndexOf('|') + 1);
    message(
      key,
      recipient,
      alerts.map((a) => a.id),
      { kind: 'digest', alerts, day },
      day,
    );
  }
  messages.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { messages, unrouted: [...new Set(unrouted)] };
}

/**
 * The alert events a delivered message stands for: `notified` for an immediate mail or a
 * digest (each alert in it), `escalated` for an escalation, at the instant the server took it.
 */
export function alertEventsOfDelivery(message: OutboxMessage, sentAtMs: number): AlertEvent[] {
  const kind = message.kind === 'escalation' ? 'escalated' : 'notified';
  return message.alertIds.map((alertId) => ({
    alertId,
    kind,
    atMs: sentAtMs,
    actor: SYSTEM_ACTOR,
    recipients: [message.recipient.email],
  }));
}

/** The org unit an alert's subject belongs to: a meter's institution's, or the institution's. */
export function subjectOrg(alert: Pick<Alert, 'subject'>, tree: NotificationTree): string | undefined {
  const institution = alert.subject.kind === 'meter' ? tree.meterInstitution.get(alert.subject.id) : alert.subject.id;
  return institution === undefined ? undefined : tree.institutionOrg.get(institution);
}

function nearestOfficers(
  tree: NotificationTree,
  byOrg: ReadonlyMap<string, NotificationRecipient[]>,
  org: string,
): { org: string; recipients: NotificationRecipient[] } | undefined {
  for (const id of ancestors(tree.orgParent, org)) {
    const recipients = byOrg.get(id);
    if (recipients && recipients.length > 0) return { org: id, recipients };
  }
  return undefined;
}

/** The org unit itself, then its parents up to the root (a cycle, which config refuses, stops the walk). */
function ancestors(orgParent: ReadonlyMap<string, string | undefined>, org: string): string[] {
  const chain: string[] = [];
  for (let id: string | undefined = org; id !== undefined && !chain.includes(id); id = orgParent.get(id)) {
    chain.push(id);
  }
  return chain;
}

export function recipientZone(recipient: NotificationRecipient, tree: NotificationTree): string {
  return recipient.timezone ?? tree.orgZone.get(recipient.org) ?? DEFAULT_TIME_ZONE;
}

/**
 * The local day whose digest is due at `nowMs`: today once the digest hour has passed in
 * the zone, else yesterday (whose digest, if it was never queued, goes out now).
 */
export function digestDay(timeZone: string, digestHour: string, nowMs: number): string {
  const [hour = 0, minute = 0] = digestHour.split(':').map(Number);
  const today = localParts(nowMs, timeZone);
  const dueMs =
    localWallTimeMs({ year: today.year, month: today.month, day: today.day, hour, minute, second: 0 }, timeZone) ??
    // The digest hour falls in a skipped DST hour today: it is due from the hour after.
    today.midnightMs + (hour + 1) * HOUR_MS + minute * 60_000;
  return nowMs >= dueMs ? today.dateKey : localDate(today.midnightMs - DAY_MS / 2, timeZone);
}

function messageIdDomain(from: string): string {
  const domain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1];
  return domain && domain.length > 0 ? domain : 'tanhe.localhost';
}

function messageIdOf(contentKey: readonly string[], kind: MessageKind, domain: string): string {
  const digest = createHash('sha256').update(contentKey.join('\n')).digest('hex').slice(0, 32);
  return `<tanhe.${kind}.${digest}@${domain}>`;
}
