import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The HIL console: `npm run console:dev` serves it with hot reload against the running API
// (npm start's, or CONSOLE_API_URL); the build (console/dist) is what the API serves at /console.
const root = path.dirname(fileURLToPath(import.meta.url));
const api = process.env.CONSOLE_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/console/',
  plugins: [react()],
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true, sourcemap: true },
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
});
