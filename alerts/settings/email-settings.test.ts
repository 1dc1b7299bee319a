import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../config/index.js';
import { checkEmailRecipients, emailSettingsSchema } from './email-settings.js';

describe('alerts.email settings', () => {
  it('defaults: STARTTLS required, no recipients, 24 h escalation, 08:00 digest, no receiver', () => {
    expect(emailSettingsSchema.parse({})).toEqual({
      smtp: {
        host: '127.0.0.1',
        port: 587,
        secure: false,
        requireTls: true,
        tls: { rejectUnauthorized: true },
        timeoutMs: 30_000,
      },
      from: 'tanhe 碳核 <alerts@tanhe.localhost>',
      recipients: [],
      escalateAfterHours: 24,
      digestHour: '08:00',
      demoReceiver: { enabled: false, host: '127.0.0.1', port: 2525, dir: './data/mail' },
    });
  });

  it('refuses a password in the file, a bad address, a bad digest hour and a demo receiver off loopback', () => {
    const bad = emailSettingsSchema.safeParse({
      smtp: { user: 'u', password: 'in the file' },
      recipients: [{ org: 'nx', email: 'not-an-address' }],
      digestHour: '24:00',
      demoReceiver: { host: '0.0.0.0' },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => `${i.code}:${i.path.join('.')}`).sort();
    expect(paths).toEqual([
      'invalid_format:demoReceiver.host',
      'invalid_format:digestHour',
      'invalid_format:recipients.0.email',
      'unrecognized_keys:smtp',
    ]);
  });

  it('reports recipients of org units the fleet does not have, with their path', () => {
    const email = emailSettingsSchema.parse({
      recipients: [
        { org: 'nx', email: 'a@example.org' },
        { org: 'nowhere', email: 'b@example.org', lang: 'en' },
      ],
    });
    const fleet = { orgs: [{ id: 'nx', name: 'NX', level: 'region' }] } as unknown as Fleet;
    expect(checkEmailRecipients({ alerts: { email } }, fleet)).toEqual([
      { path: 'alerts.email.recipients[1].org', message: 'unknown org unit "nowhere"' },
    ]);
    expect(checkEmailRecipients({}, fleet)).toEqual([]);
  });
});
