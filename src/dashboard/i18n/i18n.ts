import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/**
 * Chinese by default, English by a switch (issue 10). Each view owns its
 * messages (a `Messages` value next to it) so that a view is one file to read;
 * the shell's own words live in shell-messages.ts. Numbers and dates are
 * formatted with Intl in the locale's form, never by hand.
 */
export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];
export const DEFAULT_LANG: Lang = 'zh';

/** The same keys in both languages: the type makes a missing translation a compile error. */
export type Messages<K extends string> = Record<Lang, Record<K, string>>;

export const LOCALE: Record<Lang, string> = { zh: 'zh-CN', en: 'en-GB' };

export interface Locale {
  lang: Lang;
  /** A message of `messages` in the current language, with {name} placeholders filled. */
  t<K extends string>(messages: Messages<K>, key: K, values?: Record<string, string | number>): string;
  number(value: number, fractionDigits?: number): string;
  /** An instant (epoch ms or ISO) as a date, or date and time, in the fleet's time zone. */
  date(value: number | string, withTime?: boolean): string;
  /** An instant as its month (2026年11月, Nov 2026) in the fleet's time zone. */
  month(value: number | string): string;
  /** A share (0.25) as a percentage in the locale's form (25%). */
  percent(share: number, fractionDigits?: number): string;
  /** The fleet's time zone (IANA), for views that cut local days or months themselves. */
  timeZone: string;
}

export function createLocale(lang: Lang, timeZone: string): Locale {
  const locale = LOCALE[lang];
  // Built once per locale and reused: a view formats hundreds of cells, and building a format costs far more
  // than using one.
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const percentFormats = new Map<number, Intl.NumberFormat>();
  const dateFormat = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium' });
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const monthFormat = new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: 'short' });
  return {
    lang,
    timeZone,
    t(messages, key, values) {
      const text = messages[lang][key];
      return values === undefined
        ? text
        : text.replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? whole));
    },
    number(value, fractionDigits = 1) {
      let format = numberFormats.get(fractionDigits);
      if (format === undefined) {
        format = new Intl.NumberFormat(locale, { maximumFractionDigits: fractionDigits });
        numberFormats.set(fractionDigits, format);
      }
      return format.format(value);
    },
    date(value, withTime = false) {
      return (withTime ? dateTimeFormat : dateFormat).format(new Date(value));
    },
    month(value) {
      return monthFormat.format(new Date(value));
    },
    percent(share, fractionDigits = 1) {
      let format = percentFormats.get(fractionDigits);
      if (format === undefined) {
        format = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: fractionDigits });
        percentFormats.set(fractionDigits, format);
      }
      return format.format(share);
    },
  };
}

export const LocaleContext = createContext<Locale>(createLocale(DEFAULT_LANG, 'Asia/Shanghai'));

export function useLocale(): Locale {
  return useContext(LocaleContext);
}
