import { describe, expect, it } from 'vitest';
import { isAppError } from '../../kernel/index.js';
import { createPdfRenderer } from './pdf-renderer.js';

// The renderer's failures without launching a browser (tests/http/report-formats.test.ts prints a real PDF).
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('createPdfRenderer', () => {
  it('answers PDF_RENDERER_UNAVAILABLE (retryable) when there is no Chromium at the path, every time', async () => {
    const renderer = createPdfRenderer({ executablePath: '/nonexistent/chromium' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await failure(renderer.render('<html></html>'));
      expect(isAppError(error) && error.code).toBe('PDF_RENDERER_UNAVAILABLE');
      expect(isAppError(error) && error.retryable).toBe(true);
    }
    await renderer.close();
  });

  it('refuses to render once closed, without launching', async () => {
    const renderer = createPdfRenderer();
    await renderer.close();
    const error = await failure(renderer.render('<html></html>'));
    expect(isAppError(error) && error.code).toBe('PDF_RENDERER_UNAVAILABLE');
  });
});
