import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Static build: dist/index.html + hashed assets with relative URLs, so the server can serve
// (or embed) dist/ at its root or under any prefix. `npm run dev` proxies the API to a local
// `wirescope serve` (WIRESCOPE_DEV_API, default http://127.0.0.1:7878).
const api = process.env.WIRESCOPE_DEV_API ?? 'http://127.0.0.1:7878';

export default defineConfig({
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target: api, ws: true, changeOrigin: false },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
