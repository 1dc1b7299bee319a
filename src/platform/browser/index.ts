/** A system Chromium as a PDF printer (playwright-core over Debian's chromium). */
export {
  createPdfRenderer,
  DEFAULT_CHROMIUM_PATH,
  DEFAULT_PDF_TIMEOUT_MS,
  type PdfRenderer,
  type PdfRendererOptions,
  type PdfRenderOptions,
} from './pdf-renderer.js';
