/**
 * Builds the dashboard (web/src, Preact + TypeScript) into web/dist, which the server serves
 * under /web/ and the npm package ships. `npm run build` runs it after tsc; `npx vite --config
 * web/vite.config.ts` serves it with live reload, proxying /api to a running Pipewright.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/web/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // Everything stays a file of its own: the Content-Security-Policy allows no inline code.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': `http://127.0.0.1:${process.env.PIPEWRIGHT_PORT ?? 4280}` },
  },
})
