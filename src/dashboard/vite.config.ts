import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is static files built from src/dashboard into dist/dashboard, served by the
// service at / (src/http/plugins/dashboard-plugin.ts). Relative asset URLs (base './') so the
// page also works behind a proxy that mounts the service under a path.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // One chunk of Preact and the ECharts parts, ~600 KB minified, ~200 KB gzipped: the budget that counts is
    // the gzipped 400 KB that bench/dashboard/run.ts measures, not Vite's 500 KB minified warning.
    chunkSizeWarningLimit: 800,
  },
});
