import { LANGS, useLocale, type Lang } from '../i18n/i18n.js';
import type { Session } from '../views/dashboard-view.js';
import { shellMessages } from './shell-messages.js';

export interface HeaderBarProps {
  session: Session | undefined;
  /** The name of the session's scope (the org's name), or undefined while the tree loads. */
  scopeName: string | undefined;
  onLang(lang: Lang): void;
  onLogout(): void;
}

const LANG_NAMES: Record<Lang, string> = { zh: '中文', en: 'English' };

export function HeaderBar({ session, scopeName, onLang, onLogout }: HeaderBarProps) {
  const locale = useLocale();
  const t = (key: keyof (typeof shellMessages)['zh']) => locale.t(shellMessages, key);
  return (
    <header class="header">
      <div class="brand">{t('product')}</div>
      {session === undefined ? null : (
        <dl class="who" data-testid="session">
          <div>
            <dt>{t('role')}</dt>
            <dd data-role={session.role}>{t(session.role)}</dd>
          </div>
          <div>
            <dt>{t('scope')}</dt>
            <dd data-scope={session.scopeOrgId}>
              {session.scopeOrgId === '*' ? t('wholeFleet') : (scopeName ?? session.scopeOrgId)}
            </dd>
          </div>
          <div>
            <dt class="sr-only">{session.via === 'jwt' ? 'JWT' : 'token'}</dt>
            <dd>{session.subject}</dd>
          </div>
        </dl>
      )}
      <div class="header-actions">
        <div role="group" aria-label={t('language')} class="lang-switch">
          {LANGS.map((lang) => (
            <button
              key={lang}
              type="button"
              lang={lang === 'zh' ? 'zh-CN' : 'en'}
              aria-pressed={locale.lang === lang}
              data-lang={lang}
              onClick={() => onLang(lang)}
            >
              {LANG_NAMES[lang]}
            </button>
          ))}
        </div>
        {session === undefined ? null : (
          <button type="button" class="logout" onClick={onLogout}>
            {t('logout')}
          </button>
        )}
      </div>
    </header>
  );
}
