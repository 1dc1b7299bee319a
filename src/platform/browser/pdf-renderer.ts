import { access, constants } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { AppError } from '../../kernel/index.js';

/**
 * HTML to PDF through a system Chromium driven by playwright-core (never a
 * downloaded browser: Debian's `chromium` package, installed by
 * scripts/provision.sh). One browser is launched on the first render and
 * reused (a launch costs about a second and a good part of a core); each
 * render opens its own page and closes it. Chromium embeds the fonts it uses,
 * subset, in the PDF, so a Chinese report needs a CJK font on this machine
 * (fonts-noto-cjk), not on the reader's.
 */

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';
export const DEFAULT_PDF_TIMEOUT_MS = 30_000;

export interface PdfRendererOptions {
  /** Default DEFAULT_CHROMIUM_PATH; src/app.ts takes TANHE_CHROMIUM_PATH from the environment. */
  readonly executablePath?: string;
  /** Limit of one render (and of the browser's launch), default DEFAULT_PDF_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

export interface PdfRenderOptions {
  /** Plain text printed at the foot of every page, beside the page number. */
  readonly footer?: string;
}

export interface PdfRenderer {
  /** An A4 PDF of the HTML document. AppError PDF_RENDERER_UNAVAILABLE or PDF_RENDER_TIMEOUT on failure. */
  render(html: string, options?: PdfRenderOptions): Promise<Buffer>;
  /** Closes the browser if one was launched; renders after this fail with PDF_RENDERER_UNAVAILABLE. */
  close(): Promise<void>;
}

const escapeText = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Chromium fills pageNumber and totalPages; the template's styles are its own (the page's CSS does not apply). */
function footerTemplate(footer: string | undefined): string {
  const left = footer === undefined ? '' : escapeText(footer);
  return (
    '<div style="font-size:7pt;color:#666;width:100%;margin:0 13mm;display:flex;justify-content:space-between;' +
    "font-family:'Noto Sans CJK SC',sans-serif\">" +
    `<span>${left}</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`
  );
}

export function createPdfRenderer(options: PdfRendererOptions = {}): PdfRenderer {
  const executablePath = options.executablePath ?? DEFAULT_CHROMIUM_PATH;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PDF_TIMEOUT_MS;
  let browser: Promise<Browser> | undefined;
  let closed = false;

  const unavailable = (message: string, cause?: unknown) =>
    new AppError('PDF_RENDERER_UNAVAILABLE', message, { retryable: true, cause, details: { executablePath } });

  async function launch(): Promise<Browser> {
    try {
      await access(executablePath, constants.X_OK);
    } catch (error) {
      throw unavailable(`no Chromium at ${executablePath} (install chromium, or set TANHE_CHROMIUM_PATH)`, error);
    }
    try {
      // Loaded with the first PDF: playwright-core's module graph is ~65 MiB of RSS that a service
      // which never renders a PDF (the ingesting one) should not carry (issue 11 §5).
      const { chromium } = await import('playwright-core');
      const launched = await chromium.launch({ executablePath, headless: true, timeout: timeoutMs });
      // A crashed browser is launched again on the next render.
      launched.on('disconnected', () => {
        if (browser !== undefined && !closed) browser = undefined;
      });
      return launched;
    } catch (error) {
      throw unavailable(`Chromium at ${executablePath} did not start`, error);
    }
  }

  function browserOnce(): Promise<Browser> {
    if (closed) return Promise.reject(unavailable('the PDF renderer is closed'));
    if (browser === undefined) {
      const launching = launch();
      browser = launching;
      // A failed launch is not cached: the next render tries again (Chromium may be installed meanwhile).
      launching.catch(() => {
        if (browser === launching) browser = undefined;
      });
    }
    return browser;
  }

  async function renderOnce(html: string, renderOptions: PdfRenderOptions): Promise<Buffer> {
    const page = await (await browserOnce()).newPage();
    try {
      // No script runs in our documents and none may fetch anything: everything is inline.
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
      return await page.pdf({
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: footerTemplate(renderOptions.footer),
      });
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  return {
    async render(html, renderOptions = {}) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AppError('PDF_RENDER_TIMEOUT', `the PDF took longer than ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([renderOnce(html, renderOptions), timeout]);
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw unavailable('Chromium failed to render the PDF', error);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      closed = true;
      const open = browser;
      browser = undefined;
      await open?.then((b) => b.close()).catch(() => undefined);
    },
  };
}
