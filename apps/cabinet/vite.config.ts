import { defineConfig } from 'vite';

/**
 * The cabinet is built once into dist/ (npm install's postinstall, or npm start) and served by the
 * gateway. JSX is compiled for Preact by Vite's own transformer, so no Babel-based plugin is needed.
 * Nothing is inlined: the Content-Security-Policy forbids inline scripts and styles.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
