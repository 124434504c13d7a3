import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Unit tests run in the time zone TZ names, UTC by default: `cargo xtask test` runs them in UTC
// and in zones where local days are not UTC days (src/lib/filters.test.ts knows each one).
process.env.TZ ??= 'UTC';

// The webview loads the built files from ui/dist (tauri.conf.json frontendDist).
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
