import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The ASP.NET Core server (src/Consortium.Server) listens on this port in development.
const serverUrl = 'http://localhost:5080';

export default defineConfig({
  plugins: [react()],
  build: {
    // The server serves the built app from its wwwroot (git-ignored).
    outDir: '../Consortium.Server/wwwroot',
    emptyOutDir: true,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: serverUrl, changeOrigin: false },
      '/hubs': { target: serverUrl, changeOrigin: false, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: serverUrl, changeOrigin: false },
      '/hubs': { target: serverUrl, changeOrigin: false, ws: true },
    },
  },
});
