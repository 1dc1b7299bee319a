import { DEFAULT_LANG, LANGS, type Lang } from '../i18n/i18n.js';

// The token lives in sessionStorage: one tab's login, gone with the tab, never written to disk by the page.
// The language is a preference of the browser, so localStorage.
const TOKEN_KEY = 'tanhe.token';
const LANG_KEY = 'tanhe.lang';

export function savedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function saveToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export function savedLang(): Lang {
  const lang = localStorage.getItem(LANG_KEY);
  return LANGS.find((l) => l === lang) ?? DEFAULT_LANG;
}

export function saveLang(lang: Lang): void {
  localStorage.setItem(LANG_KEY, lang);
}
