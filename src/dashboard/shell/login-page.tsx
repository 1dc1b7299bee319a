import { useState } from 'preact/hooks';
import { useLocale } from '../i18n/i18n.js';
import { shellMessages } from './shell-messages.js';

export interface LoginPageProps {
  /** Why the page shows (a refused token, an ended session), already in words. */
  notice: string | undefined;
  busy: boolean;
  onLogin(token: string): void;
}

/** Paste an API token; the shell checks it with GET /api/v1/session before anything else. */
export function LoginPage({ notice, busy, onLogin }: LoginPageProps) {
  const locale = useLocale();
  const t = (key: keyof (typeof shellMessages)['zh']) => locale.t(shellMessages, key);
  const [token, setToken] = useState('');
  return (
    <main id="main" class="login">
      <form
        class="login-card"
        aria-labelledby="login-title"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim() !== '') onLogin(token.trim());
        }}
      >
        <h1 id="login-title">{t('loginTitle')}</h1>
        <p>{t('loginIntro')}</p>
        {notice === undefined ? null : (
          <p class="notice error" role="alert" data-testid="login-notice">
            {notice}
          </p>
        )}
        <label for="token">{t('tokenLabel')}</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          aria-describedby="token-help"
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        <p id="token-help" class="help">
          {t('tokenHelp')}
        </p>
        <button type="submit" disabled={busy}>
          {busy ? t('loggingIn') : t('login')}
        </button>
      </form>
    </main>
  );
}
